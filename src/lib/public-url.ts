/** Hosts that only ever mean this machine: a deployment's public URLs never use them. */
export const LOCAL_HOST = /^(localhost|.*\.localhost|127(\.\d{1,3}){3}|\[::1\]|0\.0\.0\.0)$/i;

/** Why `value` cannot be a public URL of a deployment, or null if it can. */
export function notPublicUrl(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute https:// URL';
  }
  if (url.protocol !== 'https:') return 'must use https:// outside development';
  if (LOCAL_HOST.test(url.hostname)) return 'must not point at localhost outside development';
  return null;
}
