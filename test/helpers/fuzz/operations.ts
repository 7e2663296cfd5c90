/**
 * The operations the OpenAPI document states, in the shape a fuzzer needs: path and query
 * parameters with their schemas, and the request bodies by media type.
 */
import type { OpenApiDocument } from '../openapi-conformance.js';

export type Schema = Record<string, unknown>;

export interface FuzzParameter {
  name: string;
  required: boolean;
  schema: Schema;
}

export interface FuzzOperation {
  method: string;
  /** The document's path template, `/projects/{projectId}`. */
  path: string;
  pathParams: FuzzParameter[];
  query: FuzzParameter[];
  /** Request body schemas by media type (`application/json`, `multipart/form-data`). */
  bodies: Record<string, Schema>;
  bodyRequired: boolean;
}

interface DocumentParameter {
  in: string;
  name: string;
  required?: boolean;
  schema?: Schema;
}

/** Every operation of the document, in its order. */
export function operationsOf(document: OpenApiDocument): FuzzOperation[] {
  const operations: FuzzOperation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const parameters = (operation.parameters ?? []) as DocumentParameter[];
      const of = (place: string) =>
        parameters
          .filter((parameter) => parameter.in === place)
          .map((parameter) => ({
            name: parameter.name,
            required: parameter.required === true,
            schema: parameter.schema ?? {},
          }));
      const requestBody = operation.requestBody as
        | { required?: boolean; content?: Record<string, { schema?: Schema }> }
        | undefined;
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: of('path'),
        query: of('query'),
        bodies: Object.fromEntries(
          Object.entries(requestBody?.content ?? {}).map(([media, { schema }]) => [media, schema ?? {}]),
        ),
        bodyRequired: requestBody?.required === true,
      });
    }
  }
  return operations;
}
