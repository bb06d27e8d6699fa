import { AppShell, Box, Burger, Center, Divider, Group, Loader, NavLink, ScrollArea, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Suspense, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, NavLink as RouterNavLink, Route, Routes, useLocation } from 'react-router-dom';
import { useOrganisation, useSession } from '../lib/session';
import { ROUTES, routesFor } from '../routes';
import { Forbidden } from './Forbidden';
import { LanguageSwitch } from './LanguageSwitch';
import { Logo } from './Logo';
import { NotFound } from './NotFound';
import { UserMenu } from './UserMenu';
import { ShellSearch } from '../features/records/ShellSearch';
import { NotificationBell } from '../features/notifications/NotificationBell';
import { useLiveEvents } from '../lib/live';

/** Header + navigation + the page for the current URL, all built from the registry in routes.tsx. */
export function AppFrame() {
  const { t } = useTranslation();
  const { user } = useSession();
  const org = useOrganisation();
  const location = useLocation();
  const [opened, { toggle, close }] = useDisclosure(false);
  const routes = routesFor(user.role);
  // One live-update stream per signed-in tab: it refreshes whatever query a change touches.
  useLiveEvents();
  const home = routes[0]?.path ?? '/settings';

  useEffect(() => close(), [location.pathname, close]);

  const current = routes.find((r) => location.pathname === r.path || location.pathname.startsWith(`${r.path}/`));
  const pageTitle = current?.navLabel ? t(current.navLabel) : undefined;
  useEffect(() => {
    document.title = pageTitle ? `${pageTitle} · Afterdesk` : 'Afterdesk';
  }, [pageTitle]);

  return (
    <AppShell header={{ height: 52 }} navbar={{ width: 224, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="lg">
      <AppShell.Header className="ad-header">
        <Group h="100%" px="md" justify="space-between" wrap="nowrap" gap="sm">
          <Group gap="sm" wrap="nowrap" style={{ minWidth: 0 }}>
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('header.openNavigation')} />
            <Logo />
            {org.data && (
              <>
                <Divider orientation="vertical" my={14} />
                <Text size="sm" c="dimmed" truncate maw={280} data-testid="org-name">
                  {org.data.name}
                </Text>
              </>
            )}
          </Group>
          <Group gap="sm" wrap="nowrap" style={{ minWidth: 0 }}>
            {user.role !== 'warehouse' && (
              <Box visibleFrom="sm" w={340}>
                <ShellSearch />
              </Box>
            )}
            <LanguageSwitch signedIn />
            {user.role !== 'warehouse' && <NotificationBell />}
            <UserMenu />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" className="ad-navbar">
        <AppShell.Section hiddenFrom="sm" pb="xs">
          {user.role !== 'warehouse' && <ShellSearch testId="shell-search-nav" />}
        </AppShell.Section>
        <AppShell.Section grow component={ScrollArea}>
          <nav aria-label={t('header.navigation')}>
            {routes
              .filter((r) => r.navLabel)
              .map((r) => {
                const Icon = r.icon;
                return (
                  <NavLink
                    key={r.path}
                    component={RouterNavLink}
                    to={r.path}
                    label={t(r.navLabel!)}
                    leftSection={Icon ? <Icon size={18} stroke={1.6} /> : undefined}
                    active={r === current}
                    className="ad-navlink"
                    data-testid={`nav-${r.path.slice(1)}`}
                  />
                );
              })}
          </nav>
        </AppShell.Section>
        <AppShell.Section>
          <Text size="xs" c="dimmed" px="sm" py={6}>
            {t('app.tagline')}
          </Text>
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main className="ad-main">
        <Suspense fallback={<PageLoading />}>
          <Routes>
            <Route path="/" element={<Navigate to={home} replace />} />
            {routes.map((r) => (
              <Route key={r.path} path={`${r.path}/*`} element={r.element} />
            ))}
            {/* Pages that exist but not for this role: say so instead of "Page not found". */}
            {ROUTES.filter((r) => !routes.includes(r)).map((r) => (
              <Route key={r.path} path={`${r.path}/*`} element={<Forbidden home={home} />} />
            ))}
            <Route path="*" element={<NotFound home={home} />} />
          </Routes>
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}

/** Shown while a page's code arrives (pages are loaded on first use, see routes.tsx). */
function PageLoading() {
  const { t } = useTranslation();
  return (
    <Center py="xl" role="status" aria-label={t('states.loading')}>
      <Loader size="sm" />
    </Center>
  );
}
