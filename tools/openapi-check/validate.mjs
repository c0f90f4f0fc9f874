// Validates the committed OpenAPI documents with a real OpenAPI 3 validator
// (@apidevtools/swagger-parser: the document against the OpenAPI 3.0/3.1 JSON schema, every $ref
// resolved), then checks what that schema cannot: every {parameter} of a path is declared as a
// path parameter of each of its operations, and operationIds are unique.
// Usage: node validate.mjs [file ...]   (default: ../../openapi/openapi.json and .yaml)
import SwaggerParser from '@apidevtools/swagger-parser';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const files = process.argv.length > 2
  ? process.argv.slice(2)
  : ['openapi.json', 'openapi.yaml'].map((name) => path.join(here, '..', '..', 'openapi', name));

let failed = 0;
for (const file of files) {
  try {
    const api = await SwaggerParser.validate(file);
    const problems = semanticProblems(api);
    if (problems.length) {
      throw new Error(problems.join('\n'));
    }
    const operations = Object.values(api.paths).reduce((count, item) => count + Object.keys(item).filter((key) => key !== 'parameters').length, 0);
    console.log(`valid OpenAPI ${api.openapi}: ${path.relative(process.cwd(), file)} (${Object.keys(api.paths).length} paths, ${operations} operations)`);
  } catch (error) {
    failed++;
    console.error(`INVALID: ${file}\n${error.message}`);
  }
}
process.exit(failed ? 1 : 0);

function semanticProblems(api) {
  const problems = [];
  const operationIds = new Set();
  for (const [route, item] of Object.entries(api.paths)) {
    const templated = [...route.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
    for (const [method, operation] of Object.entries(item)) {
      if (method === 'parameters' || typeof operation !== 'object') continue;
      const declared = [...(item.parameters || []), ...(operation.parameters || [])]
        .filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name);
      for (const name of templated) {
        if (!declared.includes(name)) problems.push(`${method.toUpperCase()} ${route}: path parameter {${name}} is not declared`);
      }
      for (const name of declared) {
        if (!templated.includes(name)) problems.push(`${method.toUpperCase()} ${route}: declares path parameter ${name}, which the path does not have`);
      }
      if (operation.operationId) {
        if (operationIds.has(operation.operationId)) problems.push(`operationId ${operation.operationId} is used twice`);
        operationIds.add(operation.operationId);
      }
    }
  }
  return problems;
}
