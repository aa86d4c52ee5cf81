/**
 * Values an operator sets before deploying (docs/deploying.md): laid over the test env, they make
 * a valid production configuration, so tests can see how production behaves.
 */
export const PRODUCTION_VARS = {
  ENVIRONMENT: 'production',
  JWT_ISSUER: 'https://auth.example.com',
  APP_URL: 'https://app.example.com',
  CORS_ORIGINS: 'https://app.example.com',
  EMAIL_PROVIDER: 'resend',
  EMAIL_FROM: 'edge-auth <no-reply@example.com>',
  SMS_PROVIDER: 'twilio',
  SMS_FROM: '+15550100000',
};
