import { Affix, Button, Drawer } from '@mantine/core';
import { useDisclosure, useMediaQuery } from '@mantine/hooks';
import { IconPackage } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { TicketSidebar } from '../inbox/TicketSidebar';
import './records.css';

/**
 * Below the width where the inbox drops its side column (1180 px: tablets, phones), the order and
 * its actions open from a button over the conversation instead of disappearing.
 */
export function PhoneOrderDrawer({ ticketId, onOpen }: { ticketId: string; onOpen: (id: string) => void }) {
  const { t } = useTranslation('records');
  const narrow = useMediaQuery('(max-width: 1180px)');
  const [opened, { open, close }] = useDisclosure(false);
  if (!narrow) return null;
  return (
    <>
      <Affix position={{ bottom: 16, right: 16 }}>
        <Button leftSection={<IconPackage size={16} />} onClick={open} radius="xl" data-testid="open-order-drawer">
          {t('act.orderButton')}
        </Button>
      </Affix>
      <Drawer opened={opened} onClose={close} position="right" size="min(100vw, 360px)" title={t('act.orderButton')} padding={0} data-testid="order-drawer">
        <div className="ad-drawer-side">{opened && <TicketSidebar ticketId={ticketId} onOpen={(id) => { close(); onOpen(id); }} />}</div>
      </Drawer>
    </>
  );
}
