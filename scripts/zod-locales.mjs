// Stands in for zod's locales index in the deployed bundle (see scripts/build.mjs): only the
// English messages the worker uses, instead of all 60-odd languages.
export { default as en } from 'zod/v4/locales/en.js';
