import { replayDelivery, sendTestEvent } from '../../domain/webhooks/deliveries';
import { deleteEndpoint, updateEndpoint } from '../../domain/webhooks/endpoints';
import { readConsoleForm, requireManageWebhooks, type Admin, type C } from './console.shared';
import type { WEBHOOK_DONE } from './console.webhooks';

// The console's webhook changes: form posts (CSRF token and Origin checked) by an admin holding
// admin_panel:admin, calling the functions /webhooks/* calls, which check the rights again and
// write the audit entry. Each answers with a redirect back (post/redirect/get).

const endpointId = (c: C) => c.req.param('id') ?? '';

const back = (c: C, done: keyof typeof WEBHOOK_DONE) =>
  c.redirect(`/console/webhooks/${encodeURIComponent(endpointId(c))}?done=${done}`, 303);

async function change(c: C, admin: Admin) {
  requireManageWebhooks(admin);
  await readConsoleForm(c, admin, {});
}

/** POST /console/webhooks/:id/test */
export async function testPost(c: C, admin: Admin) {
  await change(c, admin);
  await sendTestEvent(c.var.deps, admin.session.userId, endpointId(c));
  return back(c, 'test_sent');
}

/** POST /console/webhooks/:id/deliveries/:did/replay */
export async function replayPost(c: C, admin: Admin) {
  await change(c, admin);
  const deliveryId = c.req.param('did') ?? '';
  await replayDelivery(c.var.deps, admin.session.userId, deliveryId, endpointId(c));
  return back(c, 'replayed');
}

/** POST /console/webhooks/:id/disable and /enable */
export const disabledPost = (disabled: boolean) => async (c: C, admin: Admin) => {
  await change(c, admin);
  await updateEndpoint(c.var.deps, admin.session.userId, endpointId(c), { disabled });
  return back(c, disabled ? 'disabled' : 'enabled');
};

/** POST /console/webhooks/:id/delete: back to the list, the endpoint being gone. */
export async function deletePost(c: C, admin: Admin) {
  await change(c, admin);
  await deleteEndpoint(c.var.deps, admin.session.userId, endpointId(c));
  return c.redirect('/console/webhooks?done=deleted', 303);
}
