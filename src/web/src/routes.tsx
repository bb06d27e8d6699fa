/**
 * The page registry: the app frame builds its navigation and routes from this list.
 *
 * To add a page for your module: create `features/<module>/<Page>.tsx` and its translations
 * (`features/<module>/locales/{en,zh-CN}.json`), then add or replace one entry here. `path` is
 * the URL prefix (sub-routes below it are yours: the element is mounted at `path/*`); `navLabel`
 * is an i18n key (`namespace:key`); `roles` decides both the nav item and access to the route.
 * Leave `navLabel` out for pages that need a route but no navigation item.
 */
import { lazy, type ComponentType, type ReactNode } from 'react';
import { IconBook2, IconSpeakerphone } from '@tabler/icons-react';
import { IconAlertOctagon, IconBook, IconListSearch, IconBuildingWarehouse, IconPackage, IconScale, IconUsers, IconChartBar, IconId, IconInbox, IconReceiptRefund, IconSettings, IconShieldCheck, IconTicket, type Icon } from '@tabler/icons-react';
import type { Role } from './lib/session';
import { ComingSoon } from './features/placeholders/ComingSoon';

/**
 * Pages are loaded when first opened (code splitting by page): the first screen after login
 * fetches the shell and the page it shows, nothing else. `AppFrame` shows a loader meanwhile.
 * New pages use `page()` too — a static import here would pull the page into the first load.
 */
function page<M>(load: () => Promise<M>, pick: (m: M) => ComponentType): ComponentType {
  return lazy(async () => ({ default: pick(await load()) }));
}

const InboxPage = page(() => import('./features/inbox/InboxPage'), (m) => m.InboxPage);
const ReturnsPage = page(() => import('./features/returns/ReturnsPage'), (m) => m.ReturnsPage);
const WarehousePage = page(() => import('./features/returns/WarehousePage'), (m) => m.WarehousePage);
const RemediesPage = page(() => import('./features/remedies/RemediesPage'), (m) => m.RemediesPage);
const EvidencePage = page(() => import('./features/evidence/EvidencePage'), (m) => m.EvidencePage);
const SettingsPage = page(() => import('./features/settings/SettingsPage'), (m) => m.SettingsPage);
const OrdersPage = page(() => import('./features/records/OrdersPage'), (m) => m.OrdersPage);
const CustomersPage = page(() => import('./features/records/CustomersPage'), (m) => m.CustomersPage);
const AccountPage = page(() => import('./features/account/AccountPage'), (m) => m.AccountPage);
const AgencyPage = page(() => import('./features/agency/AgencyPage'), (m) => m.AgencyPage);
const CouponsPage = page(() => import('./features/coupons/CouponsPage'), (m) => m.CouponsPage);
const AnalyticsPage = page(() => import('./features/analytics/AnalyticsPage'), (m) => m.AnalyticsPage);
const CardsPage = page(() => import('./features/cards/CardsPage'), (m) => m.CardsPage);
const PlaybooksPage = page(() => import('./features/playbooks/PlaybooksPage'), (m) => m.PlaybooksPage);
const NoticesPage = page(() => import('./features/playbooks/NoticesPage'), (m) => m.NoticesPage);
const CataloguePage = page(() => import('./features/knowledge/CataloguePage'), (m) => m.CataloguePage);
const GapsPage = page(() => import('./features/knowledge/GapsPage'), (m) => m.GapsPage);
const IncidentsPage = page(() => import('./features/incidents/IncidentsPage'), (m) => m.IncidentsPage);

export interface AppRoute {
  /** URL prefix, starting with `/`. */
  path: string;
  /** i18n key of the navigation label; omit to keep the page out of the navigation. */
  navLabel?: string;
  icon?: Icon;
  element: ReactNode;
  /** Roles that see the nav item and may open the page. */
  roles: readonly Role[];
}

const ALL: readonly Role[] = ['owner', 'supervisor', 'agent', 'warehouse'];

export const ROUTES: AppRoute[] = [
  { path: '/inbox', navLabel: 'common:nav.inbox', icon: IconInbox, roles: ['owner', 'supervisor', 'agent'], element: <InboxPage /> },
  { path: '/returns', navLabel: 'common:nav.returns', icon: IconReceiptRefund, roles: ALL, element: <ReturnsPage /> },
  // issue 13 (workspace-b): Orders, Customers, Remedies and Warehouse in the navigation
  { path: '/orders', navLabel: 'records:nav.orders', icon: IconPackage, roles: ['owner', 'supervisor', 'agent'], element: <OrdersPage /> },
  { path: '/customers', navLabel: 'records:nav.customers', icon: IconUsers, roles: ['owner', 'supervisor', 'agent'], element: <CustomersPage /> },
  { path: '/remedies', navLabel: 'records:nav.remedies', icon: IconScale, roles: ['owner', 'supervisor', 'agent'], element: <RemediesPage /> },
  { path: '/warehouse', navLabel: 'records:nav.warehouse', icon: IconBuildingWarehouse, roles: ['owner', 'supervisor', 'warehouse'], element: <WarehousePage /> },
  { path: '/evidence', navLabel: 'common:nav.evidence', icon: IconShieldCheck, roles: ['owner', 'supervisor', 'agent'], element: <EvidencePage /> },
  { path: '/coupons', navLabel: 'common:nav.coupons', icon: IconTicket, roles: ['owner', 'supervisor', 'agent'], element: <CouponsPage /> },
  { path: '/analytics', navLabel: 'common:nav.analytics', icon: IconChartBar, roles: ['owner', 'supervisor'], element: <AnalyticsPage /> },
  { path: '/settings', navLabel: 'common:nav.settings', icon: IconSettings, roles: ['owner', 'supervisor'], element: <SettingsPage /> },
  // Reached from the user menu (every role: own profile, password, two-factor sign-in, sessions).
  { path: '/account', roles: ALL, element: <AccountPage /> },
  // Reached from the user menu's organisation switcher (shown to logins in several organisations).
  { path: '/agency', roles: ALL, element: <AgencyPage /> },
  { path: '/cards', navLabel: 'common:nav.cards', icon: IconId, roles: ['owner', 'supervisor'], element: <CardsPage /> },
  // issue 16 (playbooks): macros and procedures, and proactive notices with their report
  { path: '/playbooks', navLabel: 'playbooks:nav.playbooks', icon: IconBook2, roles: ['owner', 'supervisor'], element: <PlaybooksPage /> },
  { path: '/notices', navLabel: 'playbooks:nav.notices', icon: IconSpeakerphone, roles: ['owner', 'supervisor'], element: <NoticesPage /> },
  // issue 16 (knowledge): catalogue with product knowledge per language, listing gaps
  { path: '/catalogue', navLabel: 'knowledge:nav.catalogue', icon: IconBook, roles: ['owner', 'supervisor', 'agent'], element: <CataloguePage /> },
  { path: '/listing-gaps', navLabel: 'knowledge:nav.gaps', icon: IconListSearch, roles: ['owner', 'supervisor'], element: <GapsPage /> },
  // issue 18: incidents (declare, audience, message, approval, send progress, dashboard)
  { path: '/incidents', navLabel: 'common:nav.incidents', icon: IconAlertOctagon, roles: ['owner', 'supervisor', 'agent'], element: <IncidentsPage /> },
];

export function routesFor(role: Role): AppRoute[] {
  return ROUTES.filter((r) => r.roles.includes(role));
}
