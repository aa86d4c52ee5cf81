import { post, ProviderError, type Provider } from './provider';

/** SMS through Twilio's Messages API (form-encoded, HTTP basic auth with the account SID). */
export function twilioProvider(opts: {
  baseUrl: string;
  accountSid: string | undefined;
  authToken: string | undefined;
  from: string;
}): Provider {
  return {
    name: 'sms:twilio',
    async send(message) {
      if (!opts.accountSid || !opts.authToken)
        throw new ProviderError('Twilio credentials are not set');
      await post(
        `${opts.baseUrl}/2010-04-01/Accounts/${encodeURIComponent(opts.accountSid)}/Messages.json`,
        {
          headers: {
            Authorization: `Basic ${btoa(`${opts.accountSid}:${opts.authToken}`)}`,
            'Content-Type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({
            To: message.to,
            From: opts.from,
            Body: message.text,
          }).toString(),
        },
      );
    },
  };
}
