// The development values of the vars that wrangler.toml sets for production. `npm run dev`
// writes them into .dev.vars (which wrangler dev lays over [vars]) and the tests bind them, so
// the repository as cloned deploys production values while local runs get these.
export const DEVELOPMENT_VARS = {
  ENVIRONMENT: 'development',
  JWT_ISSUER: 'http://localhost:8787',
  APP_URL: 'http://localhost:3000',
  CORS_ORIGINS: 'http://localhost:3000,http://localhost:5173',
  EMAIL_PROVIDER: 'outbox',
  EMAIL_FROM: 'edge-auth <no-reply@localhost>',
  SMS_PROVIDER: 'outbox',
};
