import { BadRequestException, type PipeTransform } from '@nestjs/common';

/**
 * Deepest login body accepted: `{ username, password }` is one level, and a
 * little room is left for clients that wrap nothing. Checked without
 * recursion, before class-transformer (which recurses) sees the body.
 */
const MAX_DEPTH = 4;

function deeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > limit) return true;
    if (node !== null && typeof node === 'object')
      for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Refuses absurdly nested JSON on the login routes with 400 `LOGIN_BODY_TOO_DEEP` rather than a 500. */
export class LoginBodyDepthPipe implements PipeTransform {
  transform(value: unknown): unknown {
    if (deeperThan(value, MAX_DEPTH)) {
      throw new BadRequestException({
        statusCode: 400,
        code: 'LOGIN_BODY_TOO_DEEP',
        message: `The login body is nested deeper than ${MAX_DEPTH} levels; send { "username": "…", "password": "…" }.`,
      });
    }
    return value;
  }
}
