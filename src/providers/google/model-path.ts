/**
 * A Gemini API model resource: `models/{id}` for a model id, the id itself when it is already a
 * resource path (`tunedModels/...`, `models/...`).
 */
export function modelPath(model: string): string {
  return model.includes('/') ? model : `models/${model}`;
}
