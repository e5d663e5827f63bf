/** Field checks that need policy numbers or the clock (the schemas check shapes): all reported at once, as one 400. */
import { badRequest, type FieldError } from '../http/problem.ts';

/** Throws one 400 naming every field at fault; does nothing when there is none. */
export function rejectIf(errors: FieldError[]): void {
  if (errors.length) throw badRequest(errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
}

/** A reason must say something: at least `min` characters once trimmed (the schema trims). */
export function reasonError(field: string, reason: string, min: number): FieldError[] {
  return reason.length < min ? [{ field, message: `must be at least ${min} characters: say why this access is needed` }] : [];
}
