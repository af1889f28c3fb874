import type { FunctionTool } from '../../src/index.js';

/** The function tool of OpenAI's function-calling guide, as a caller declares it (no `strict`, open schema). */
export const weatherTool: FunctionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather in a given location',
    parameters: {
      type: 'object',
      properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['location', 'unit'],
    },
  },
};
