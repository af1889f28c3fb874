export { createDashboardHandler, type DashboardOptions } from './dashboard/create-dashboard-handler.js';
export type { Overview } from './dashboard/dashboard-overview.js';
export type { AdminIdentity, AuthorizeResult } from './dashboard/admin-identity.js';
