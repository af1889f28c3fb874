import { z } from 'zod';
import { isSecret, type Secret } from './secret.js';

/** A credential field: must be a `Secret`, so that a raw key never sits in plain config. */
export const secretSchema = z.custom<Secret>(isSecret, {
  message: "must be a secret: use secret.env('NAME'), secret.ref(resolver, name), secret.value(value) or secret.from(async () => value)",
});
