// POST /dashboard/customers/:id/holds/:hold_id/release: a hold's Release button, through HoldService.clientRelease
// (which refuses the holds Coffer placed for an invoice payment: that payment captures or releases them).
import type { DashboardServices, PageAnswer, SignedIn } from './context.ts';
import { customerPage } from './customer-page.ts';
import { formatMoney } from './money-text.ts';

const holdIdPattern = /^hold_[0-9A-Za-z]{1,60}$/;

export async function releaseHoldAction(services: DashboardServices, signedIn: SignedIn, customerId: string, holdId: string): Promise<PageAnswer> {
  const answer = (holds: { error?: string; notice?: string }, status = 200) => customerPage(services, signedIn, customerId, {}, { holds }, status);
  if (signedIn.viewer.readOnly) return answer({ error: 'Refused: this API key is read-only, so it cannot release a hold. Sign in with a read-write key.' }, 403);
  const businessId = signedIn.principal.businessId;
  const found = holdIdPattern.test(holdId) ? await services.holds.get(businessId, holdId) : undefined;
  // A hold of another customer is not found here, as one of another business is.
  if (!found?.ok || found.value.customer_id !== customerId) return answer({ error: `Hold ${holdId} is not one of this customer's holds.` }, 404);
  const result = await services.holds.clientRelease(businessId, holdId);
  if (!result.ok) return answer({ error: `Refused: ${result.message}.` }, result.code === 'SERVER_BUSY' ? 503 : 409);
  const hold = result.value.hold;
  if (result.value.replayed) return answer({ notice: `Hold ${hold.id} was already ${hold.status}; nothing changed.` });
  return answer({ notice: `Released hold ${hold.id}: ${formatMoney(hold.amount, hold.currency)} is available again.` });
}
