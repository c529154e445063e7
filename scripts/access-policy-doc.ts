// Writes docs/access-policy.md from the ACTIONS table: npm run docs:policy
import fs from 'node:fs'
import path from 'node:path'
import { renderAccessPolicyDoc } from '../src/policy/policy-doc.ts'

fs.writeFileSync(path.join(import.meta.dirname, '..', 'docs', 'access-policy.md'), renderAccessPolicyDoc())
