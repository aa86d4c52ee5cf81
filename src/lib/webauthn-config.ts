import type { RefinementCtx } from 'zod';
import { LOCAL_HOST, notPublicUrl } from './public-url';

/**
 * A browser signs a passkey assertion only for an RP ID that is the page's host or a suffix of
 * it, so an origin outside the RP ID could never succeed: a misconfiguration, refused at
 * start-up. Outside development origins must be https and not localhost.
 */
export function checkWebAuthn(
  v: { WEBAUTHN_RP_ID: string; WEBAUTHN_ORIGINS: string[] },
  ctx: RefinementCtx,
  development: boolean,
) {
  const refuse = (path: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: [path], message });
  const rpId = v.WEBAUTHN_RP_ID.toLowerCase();
  if (rpId && !/^[a-z0-9.-]+$/.test(rpId)) refuse('WEBAUTHN_RP_ID', 'must be a bare host name');
  if (!development && rpId && LOCAL_HOST.test(rpId))
    refuse('WEBAUTHN_RP_ID', 'must not be localhost outside development');
  if (!development && rpId && v.WEBAUTHN_ORIGINS.length === 0)
    refuse('WEBAUTHN_ORIGINS', 'must list the origins of the pages that use passkeys');
  for (const origin of v.WEBAUTHN_ORIGINS) {
    const problem = development
      ? URL.canParse(origin)
        ? null
        : 'must be an absolute URL'
      : notPublicUrl(origin);
    if (problem) refuse('WEBAUTHN_ORIGINS', `${origin} ${problem}`);
    else if (rpId) {
      const host = new URL(origin).hostname;
      if (host !== rpId && !host.endsWith(`.${rpId}`))
        refuse('WEBAUTHN_ORIGINS', `${origin} is not within WEBAUTHN_RP_ID ${rpId}`);
    }
  }
}
