import { Tabs } from '@mantine/core';
import { IconBolt, IconBuildingStore, IconClockHour4, IconHistory, IconLock, IconPlugConnected, IconShieldLock, IconTags, IconUsers } from '@tabler/icons-react';
import { IconBrandTiktok, IconCalendarTime, IconListTree, IconMessages, IconReceiptRefund, IconSend } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { PageHeader } from '../../shell/PageHeader';
import { useSession } from '../../lib/session';
import { PrivacyPanel } from '../privacy/PrivacyPanel';
import { BrandsPanel } from './BrandsPanel';
import { ShopsPanel } from './ShopsPanel';
import { SlaPanel } from './SlaPanel';
import { TeamPanel } from './TeamPanel';
import { AutomationsPanel } from './AutomationsPanel';
import { SecurityPanel } from '../account/SecurityPanel';
import { AuditPanel } from '../account/AuditPanel';
import { IntegrationsPanel } from '../account/IntegrationsPanel';
import { AgentsPanel } from '../setup/AgentsPanel';
import { OutboxPanel } from '../setup/OutboxPanel';
import { ReasonsPanel } from '../setup/ReasonsPanel';
import { RemediesPanel } from '../setup/RemediesPanel';
import { TikTokPanel } from '../setup/TikTokPanel';
import { ChannelsPanel } from '../channels/ChannelsPanel';
import { AdsSettingsPanel } from '../analytics/Ads';
import { IconAd } from '@tabler/icons-react';

const TABS = ['shops', 'brands', 'team', 'sla', 'automations', 'privacy', 'security', 'audit', 'integrations', 'tiktok', 'channels', 'remedies', 'reasons', 'agents', 'outbox', 'ads'] as const;
// Issue 12's settings screens (features/setup), in the order they appear after the others.
const SETUP_TABS = [
  { value: 'tiktok', icon: IconBrandTiktok, element: <TikTokPanel /> },
  { value: 'channels', icon: IconMessages, element: <ChannelsPanel /> },
  { value: 'remedies', icon: IconReceiptRefund, element: <RemediesPanel /> },
  { value: 'reasons', icon: IconListTree, element: <ReasonsPanel /> },
  { value: 'agents', icon: IconCalendarTime, element: <AgentsPanel /> },
  { value: 'outbox', icon: IconSend, element: <OutboxPanel /> },
] as const;

export function SettingsPage() {
  const { t } = useTranslation('settings');
  const navigate = useNavigate();
  // A buyer's data requests and retention are the owner's (the API says the same).
  const isOwner = useSession().can(['owner']);
  const location = useLocation();
  const current = TABS.find((tab) => location.pathname.startsWith(`/settings/${tab}`)) ?? 'shops';

  return (
    <>
      <PageHeader title={t('title')} description={t('description')} />
      <Tabs value={current} onChange={(v) => v && navigate(`/settings/${v}`)} mt="md" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="shops" leftSection={<IconBuildingStore size={16} stroke={1.6} />}>
            {t('tabs.shops')}
          </Tabs.Tab>
          <Tabs.Tab value="brands" leftSection={<IconTags size={16} stroke={1.6} />}>
            {t('tabs.brands')}
          </Tabs.Tab>
          <Tabs.Tab value="team" leftSection={<IconUsers size={16} stroke={1.6} />}>
            {t('tabs.team')}
          </Tabs.Tab>
          <Tabs.Tab value="sla" leftSection={<IconClockHour4 size={16} stroke={1.6} />}>
            {t('tabs.sla')}
          </Tabs.Tab>
          <Tabs.Tab value="automations" leftSection={<IconBolt size={16} stroke={1.6} />} data-testid="tab-automations">
            {t('tabs.automations')}
          </Tabs.Tab>
          {isOwner && (
            <Tabs.Tab value="privacy" leftSection={<IconLock size={16} stroke={1.6} />}>
              {t('tabs.privacy')}
            </Tabs.Tab>
          )}
          {isOwner && (
            <>
              <Tabs.Tab value="security" leftSection={<IconShieldLock size={16} stroke={1.6} />}>
                {t('account:tabs.security')}
              </Tabs.Tab>
              <Tabs.Tab value="audit" leftSection={<IconHistory size={16} stroke={1.6} />}>
                {t('account:tabs.audit')}
              </Tabs.Tab>
              <Tabs.Tab value="integrations" leftSection={<IconPlugConnected size={16} stroke={1.6} />}>
                {t('account:tabs.integrations')}
              </Tabs.Tab>
            </>
          )}
          {SETUP_TABS.map(({ value, icon: Icon }) => (
            <Tabs.Tab key={value} value={value} leftSection={<Icon size={16} stroke={1.6} />}>
              {t(`setup:tabs.${value}`)}
            </Tabs.Tab>
          ))}
          {/* issue 15 (analytics): the shops' TikTok advertiser accounts */}
          <Tabs.Tab value="ads" leftSection={<IconAd size={16} stroke={1.6} />} data-testid="tab-ads-settings">
            {t('analytics:ads.settingsTab')}
          </Tabs.Tab>
        </Tabs.List>
      </Tabs>
      <div style={{ paddingTop: 16 }}>
        <Routes>
          <Route index element={<Navigate to="shops" replace />} />
          <Route path="shops/*" element={<ShopsPanel />} />
          <Route path="brands" element={<BrandsPanel />} />
          <Route path="team" element={<TeamPanel />} />
          <Route path="sla" element={<SlaPanel />} />
          <Route path="automations" element={<AutomationsPanel />} />
          {isOwner && <Route path="privacy" element={<PrivacyPanel />} />}
          {isOwner && <Route path="security" element={<SecurityPanel />} />}
          {isOwner && <Route path="audit" element={<AuditPanel />} />}
          {isOwner && <Route path="integrations" element={<IntegrationsPanel />} />}
          {SETUP_TABS.map(({ value, element }) => (
            <Route key={value} path={value} element={element} />
          ))}
          <Route path="ads" element={<AdsSettingsPanel />} />
          <Route path="*" element={<Navigate to="shops" replace />} />
        </Routes>
      </div>
    </>
  );
}
