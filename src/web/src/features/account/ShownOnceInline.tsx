import { ActionIcon, Code, CopyButton, Group, Stack, Text, Tooltip } from '@mantine/core';
import { IconCopy } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';

/** A secret shown this once, with a copy button. */
export function ShownOnceInline({ value, hint }: { value: string; hint: string }) {
  const { t } = useTranslation('account');
  return (
    <Stack gap={4}>
      <Group gap="xs" wrap="nowrap">
        <Code fz="sm" style={{ wordBreak: 'break-all', flex: 1 }} data-testid="shown-once">
          {value}
        </Code>
        <CopyButton value={value}>
          {({ copied, copy }) => (
            <Tooltip label={copied ? t('copied') : t('copy')}>
              <ActionIcon variant="light" onClick={copy} aria-label={t('copy')}>
                <IconCopy size={16} />
              </ActionIcon>
            </Tooltip>
          )}
        </CopyButton>
      </Group>
      <Text size="xs" c="orange.8">
        {hint}
      </Text>
    </Stack>
  );
}
