/** Spec stage: OpenAPI documents (Swagger 2.0, OpenAPI 3.x) → backends with file and line, or invalid-spec findings. */
export { readSpecFiles, type SpecText } from './files.ts';
export { splitList } from './list.ts';
export { parseSpec } from './openapi.ts';
