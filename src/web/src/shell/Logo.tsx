import { Group, Text, ThemeIcon } from '@mantine/core';
import { IconLifebuoy } from '@tabler/icons-react';

export function Logo({ size = 'md' }: { size?: 'md' | 'lg' }) {
  const big = size === 'lg';
  return (
    <Group gap={8} wrap="nowrap">
      <ThemeIcon size={big ? 36 : 26} radius="md" variant="filled" color="indigo">
        <IconLifebuoy size={big ? 22 : 16} stroke={2} />
      </ThemeIcon>
      <Text fw={700} fz={big ? 22 : 16} lh={1} style={{ letterSpacing: '-0.01em' }}>
        Afterdesk
      </Text>
    </Group>
  );
}
