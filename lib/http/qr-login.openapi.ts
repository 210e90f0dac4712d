/*
 * OpenAPI decorators from `@nestjs/swagger` when the app has it installed
 * (an optional peer dependency), no-ops otherwise; so the routes describe
 * themselves in an app that serves `/docs` and cost nothing in one that does
 * not. The types here are our own, so the emitted declarations do not refer
 * to `@nestjs/swagger` either.
 */

type AnyDecorator = (...args: any[]) => any;
type DecoratorFactory<D> = (options?: any, ...rest: any[]) => D;

/**
 * `@nestjs/swagger`'s exports, or undefined when it is not installed. `load` is
 * how it is required (a parameter so the absent and broken cases can be checked).
 * @internal
 */
export function loadSwagger(
  load: () => Record<string, AnyDecorator> = () => require('@nestjs/swagger'),
): Record<string, AnyDecorator> | undefined {
  try {
    return load();
  } catch (error) {
    const code = (error as { code?: string } | null)?.code;
    const missing =
      (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') &&
      String((error as Error).message).includes('@nestjs/swagger');
    // Only absence is expected; a broken installation should still be seen.
    if (missing) return undefined;
    throw error;
  }
}

const swagger = loadSwagger();

function pick<D>(name: string): DecoratorFactory<D> {
  const factory = swagger?.[name];
  if (typeof factory === 'function') return factory as DecoratorFactory<D>;
  return (() => () => undefined) as unknown as DecoratorFactory<D>;
}

/** Whether `@nestjs/swagger` was found. @internal */
export const SWAGGER_AVAILABLE = swagger !== undefined;

export const ApiProperty = pick<PropertyDecorator>('ApiProperty');
export const ApiPropertyOptional = pick<PropertyDecorator>('ApiPropertyOptional');
export const ApiTags = (...tags: string[]): ClassDecorator & MethodDecorator =>
  (pick<ClassDecorator & MethodDecorator>('ApiTags') as AnyDecorator)(...tags);
export const ApiOperation = pick<MethodDecorator>('ApiOperation');
export const ApiOkResponse = pick<MethodDecorator & ClassDecorator>('ApiOkResponse');
export const ApiQuery = pick<MethodDecorator>('ApiQuery');
export const ApiHeader = pick<MethodDecorator & ClassDecorator>('ApiHeader');
export const ApiExtraModels = (...models: Array<abstract new (...args: never[]) => unknown>): ClassDecorator =>
  (pick<ClassDecorator>('ApiExtraModels') as AnyDecorator)(...models);
export const ApiCreatedResponse = pick<MethodDecorator>('ApiCreatedResponse');
export const ApiResponse = pick<MethodDecorator>('ApiResponse');
export const ApiBody = pick<MethodDecorator>('ApiBody');
export const ApiProduces = (...types: string[]): MethodDecorator =>
  (pick<MethodDecorator>('ApiProduces') as AnyDecorator)(...types);
export const ApiBearerAuth = (name?: string): ClassDecorator & MethodDecorator =>
  (pick<ClassDecorator & MethodDecorator>('ApiBearerAuth') as AnyDecorator)(name);
/** @internal */
export const ApiExcludeController = (): ClassDecorator =>
  (pick<ClassDecorator>('ApiExcludeController') as AnyDecorator)();
