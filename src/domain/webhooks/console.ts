import * as store from '../../db/queries/webhooks';
import { ApiError, orUnavailable } from '../../lib/errors';
import { pageOf } from '../../lib/pagination';
import type { Deps } from '../deps';

// The admin console's reads of webhooks (api.md "Admin console"): every endpoint, whoever owns
// it, for an admin holding admin_panel:read (the console checks that before calling). Changes
// go through endpoints.ts and deliveries.ts, which check the manager's rights themselves.

const PAGE = 25;
const RECENT_DELIVERIES = 50;

/** Every endpoint (or one organization's), newest first, with its organization's name. */
export function consoleEndpoints(
  deps: Pick<Deps, 'db'>,
  cursor: string | undefined,
  organizationId?: string,
) {
  return orUnavailable('Database', () =>
    pageOf(
      { limit: PAGE, cursor },
      (q) => store.endpointsWithOrg(deps.db, q, organizationId),
      (r) => ({ at: r.endpoint.createdAt.getTime(), id: r.endpoint.id }),
    ),
  );
}

/** An endpoint with its latest deliveries; 404 when it does not exist. */
export async function consoleEndpoint(deps: Pick<Deps, 'db'>, id: string) {
  const endpoint = await orUnavailable('Database', () => store.findEndpoint(deps.db, id));
  if (!endpoint) throw new ApiError('NOT_FOUND', 'Webhook endpoint not found');
  const deliveries = await orUnavailable('Database', () =>
    store.listDeliveries(deps.db, id, { limit: RECENT_DELIVERIES }),
  );
  return { endpoint, deliveries };
}
