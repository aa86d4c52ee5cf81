import { post, ProviderError, type Provider } from './provider';

/** Transactional email through Resend's HTTP API (POST /emails, bearer API key). */
export function resendProvider(opts: {
  url: string;
  apiKey: string | undefined;
  from: string;
}): Provider {
  return {
    name: 'email:resend',
    async send(message) {
      if (!opts.apiKey) throw new ProviderError('RESEND_API_KEY is not set');
      await post(opts.url, {
        headers: { Authorization: `Bearer ${opts.apiKey}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          from: opts.from,
          to: [message.to],
          subject: message.subject ?? '',
          text: message.text,
        }),
      });
    },
  };
}
