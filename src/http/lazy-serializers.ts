import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';

type SerializerFactory = ReturnType<typeof SerializerSelector>;
type RouteDefinition = Parameters<ReturnType<SerializerFactory>>[0];
type Serializer = (doc: unknown) => string;

/**
 * Response serializers compiled on a route's first answer instead of at startup.
 *
 * Fastify builds a fast-json-stringify function for every response schema of every route when it
 * starts (about 440 here), and each one whose schema holds a union keeps its own Ajv instance: about
 * 10 MB of heap for routes a deployment may never call. Compiling on first use keeps only what is
 * used; the first answer of a route pays a few milliseconds once. `compileAll` compiles the rest
 * (tests use it to prove that every response schema compiles).
 */
export interface LazySerializers {
  /** For Fastify's `schemaController.compilersFactory.buildSerializer`. */
  factory: SerializerFactory;
  /** Compiles every serializer not compiled yet; returns how many response schemas exist. */
  compileAll(): number;
  /** How many serializers have been compiled so far. */
  compiledCount(): number;
}

export function createLazySerializers(): LazySerializers {
  const eager = SerializerSelector();
  const all: Array<() => Serializer> = [];
  let compiled = 0;

  const factory: SerializerFactory = (externalSchemas, options) => {
    const compileNow = eager(externalSchemas, options);
    return (route: RouteDefinition) => {
      let serializer: Serializer | undefined;
      const compile = () => {
        if (serializer === undefined) {
          serializer = compileNow(route);
          compiled++;
        }
        return serializer;
      };
      all.push(compile);
      return (doc: unknown) => (serializer ?? compile())(doc);
    };
  };

  return {
    factory,
    compileAll: () => {
      for (const compile of all) compile();
      return all.length;
    },
    compiledCount: () => compiled,
  };
}
