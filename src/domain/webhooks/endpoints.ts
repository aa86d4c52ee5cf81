import { grantsOf } from '../../db/queries/rbac';
import * as store from '../../db/queries/webhooks';
import type { WebhookEndpoint } from '../../db/schema';
import { DEVELOPMENT_ENVIRONMENTS } from '../../config';
import { ApiError, orUnavailable } from '../../lib/errors';
import { pageOf } from '../../lib/pagination';
import { requireMfaKeys } from '../../lib/secrets';
import { isAdmin } from '../access';
import type { Deps } from '../deps';
import { enter } from '../organizations';
import type { WebhookEventType } from './catalogue';
import { ROTATION_OVERLAP_MS, newSecret } from './secrets';
import { webhookUrlProblem } from './url-policy';

// The endpoint's row is this module's, for the routes that show it.
export type { WebhookEndpoint };

const notFound = () => new ApiError('NOT_FOUND', 'Webhook endpoint not found');

type Change = 'created' | 'updated' | 'disabled' | 'enabled' | 'deleted' | 'secret_rotated';

/** The audit entry of a change, on the manager's own trail (the console lists it). */
const audited = (
  deps: Pick<Deps, 'events'>,
  userId: string,
  endpoint: Pick<WebhookEndpoint, 'id' | 'organizationId'>,
  change: Change,
) =>
  deps.events.emit({
    type: 'webhook_changed',
    user_id: userId,
    actor_id: userId,
    organization_id: endpoint.organizationId,
    metadata: { endpoint_id: endpoint.id, change },
  });

/**
 * Who may manage endpoints (api.md "Webhooks"): a global admin for the deployment's endpoints;
 * for an organization's, its admins and owners (`organization:update`; a global admin acts as
 * an owner). A non-member of the organization gets 404, as on every org route.
 */
async function mayManage(deps: Pick<Deps, 'db'>, userId: string, organizationId: string | null) {
  if (organizationId !== null) {
    const at = await enter(deps, userId, organizationId);
    at.require('organization', 'update');
    return;
  }
  const grants = await orUnavailable('Database', () => grantsOf(deps.db, userId));
  if (!isAdmin(grants.permissions)) {
    throw new ApiError('FORBIDDEN', "Only an administrator manages the deployment's endpoints");
  }
}

/** An endpoint the caller may manage; 404 otherwise (its existence is not revealed). */
export async function reachableEndpoint(deps: Pick<Deps, 'db'>, userId: string, id: string) {
  const endpoint = await orUnavailable('Database', () => store.findEndpoint(deps.db, id));
  if (!endpoint) throw notFound();
  try {
    await mayManage(deps, userId, endpoint.organizationId);
  } catch (err) {
    // A member lacking the role learns as little as a stranger: the id is not theirs to probe.
    if (err instanceof ApiError && err.code === 'FORBIDDEN') throw notFound();
    throw err;
  }
  return endpoint;
}

/** 422 INVALID_WEBHOOK_URL unless `url` is an allowed target (url-policy.ts). */
function checkUrl(deps: Pick<Deps, 'config'>, url: string) {
  const development = (DEVELOPMENT_ENVIRONMENTS as readonly string[]).includes(
    deps.config.ENVIRONMENT,
  );
  const problem = webhookUrlProblem(url, development);
  if (problem) {
    throw new ApiError('INVALID_WEBHOOK_URL', `The webhook URL ${problem}`, {
      errors: [{ field: 'url', message: problem }],
    });
  }
}

export interface NewEndpoint {
  url: string;
  eventTypes: WebhookEventType[];
  description?: string | undefined;
  organizationId?: string | undefined;
}

/** Creates an endpoint; its `whsec_` secret is returned this once and stored sealed. */
export async function createEndpoint(
  deps: Pick<Deps, 'db' | 'config' | 'secrets' | 'now' | 'events'>,
  userId: string,
  input: NewEndpoint,
) {
  const organizationId = input.organizationId ?? null;
  await mayManage(deps, userId, organizationId);
  checkUrl(deps, input.url);
  const id = `ep_${crypto.randomUUID().replaceAll('-', '')}`;
  const secret = await newSecret(requireMfaKeys(deps.secrets), id);
  const now = new Date(deps.now());
  const endpoint: WebhookEndpoint = {
    id,
    organizationId,
    url: input.url,
    description: input.description ?? '',
    eventTypes: [...new Set(input.eventTypes)],
    secretEnc: secret.sealed,
    previousSecretEnc: null,
    previousSecretExpiresAt: null,
    disabled: false,
    failingSince: null,
    createdBy: userId,
    createdAt: now,
    updatedAt: now,
  };
  await orUnavailable('Database', () => store.insertEndpoint(deps.db, endpoint));
  audited(deps, userId, endpoint, 'created');
  return { endpoint, secret: secret.text };
}

/** The deployment's endpoints (admin) or an organization's (its admins), newest first. */
export async function listEndpoints(
  deps: Pick<Deps, 'db'>,
  userId: string,
  organizationId: string | null,
  page: { limit: number; cursor?: string | undefined },
) {
  await mayManage(deps, userId, organizationId);
  return pageOf(
    page,
    (q) => store.listEndpoints(deps.db, organizationId, q),
    (e) => ({ at: e.createdAt.getTime(), id: e.id }),
  );
}

export interface EndpointChange {
  url?: string | undefined;
  eventTypes?: WebhookEventType[] | undefined;
  description?: string | undefined;
  disabled?: boolean | undefined;
}

/** Changes an endpoint. Enabling it again starts its count of failing days afresh. */
export async function updateEndpoint(
  deps: Pick<Deps, 'db' | 'config' | 'now' | 'events'>,
  userId: string,
  id: string,
  change: EndpointChange,
) {
  await reachableEndpoint(deps, userId, id);
  if (change.url !== undefined) checkUrl(deps, change.url);
  const patch: store.EndpointPatch = {
    ...(change.url !== undefined && { url: change.url }),
    ...(change.eventTypes !== undefined && { eventTypes: [...new Set(change.eventTypes)] }),
    ...(change.description !== undefined && { description: change.description }),
    ...(change.disabled !== undefined && { disabled: change.disabled }),
    ...(change.disabled === false && { failingSince: null }),
  };
  const row = await store.updateEndpoint(deps.db, id, patch, new Date(deps.now()));
  if (!row) throw notFound();
  const only = Object.keys(change).filter((k) => change[k as keyof EndpointChange] !== undefined);
  const toggled = only.length === 1 && only[0] === 'disabled';
  audited(deps, userId, row, toggled ? (row.disabled ? 'disabled' : 'enabled') : 'updated');
  return row;
}

/** Deletes an endpoint with its deliveries: queued attempts find nothing and send nothing. */
export async function deleteEndpoint(
  deps: Pick<Deps, 'db' | 'events'>,
  userId: string,
  id: string,
) {
  const endpoint = await reachableEndpoint(deps, userId, id);
  if (!(await store.deleteEndpoint(deps.db, id))) throw notFound();
  audited(deps, userId, endpoint, 'deleted');
}

/**
 * A new secret; the old one keeps signing beside it for 24 hours (two signatures in one
 * header), so receivers can switch without losing a delivery. A second rotation inside the
 * overlap drops the oldest secret.
 */
export async function rotateSecret(
  deps: Pick<Deps, 'db' | 'secrets' | 'now' | 'events'>,
  userId: string,
  id: string,
) {
  const endpoint = await reachableEndpoint(deps, userId, id);
  const secret = await newSecret(requireMfaKeys(deps.secrets), id);
  const now = deps.now();
  const row = await store.updateEndpoint(
    deps.db,
    id,
    {
      secretEnc: secret.sealed,
      previousSecretEnc: endpoint.secretEnc,
      previousSecretExpiresAt: new Date(now + ROTATION_OVERLAP_MS),
    },
    new Date(now),
  );
  if (!row) throw notFound();
  audited(deps, userId, endpoint, 'secret_rotated');
  return secret.text;
}
