import { Badge, Button, Group, Paper, Stack, Text } from '@mantine/core';
import { IconBulb } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { useApiMutation } from '../../lib/mutation';
import { useSuggestions, type SuggestionView } from './api';

/**
 * Knowledge answers for the ticket's product and the buyer's latest question, in the buyer's
 * language; one click puts the answer into the reply and records the use.
 */
export function SuggestedAnswers({ ticketId, onInsert }: { ticketId: string; onInsert: (text: string) => void }) {
  const { t } = useTranslation('knowledge');
  const s = useSuggestions(ticketId);
  const use = useApiMutation({ mutationFn: (x: SuggestionView) => api.post(`/api/knowledge/entries/${x.entryId}/uses`, { ticketId, rank: x.rank }) });
  const items = s.data?.items.slice(0, 3) ?? [];
  if (!s.data?.productId || items.length === 0) return null;
  return (
    <Paper withBorder p="xs" mb={6} radius="sm" data-testid="suggested-answers">
      <Group gap={6} mb={4} wrap="nowrap">
        <IconBulb size={14} />
        <Text size="xs" fw={600} style={{ minWidth: 0 }} truncate>
          {t('suggest.title', { product: s.data.productTitle })}
        </Text>
        <Badge size="xs" variant="light" radius="sm">
          {s.data.language.toUpperCase()}
        </Badge>
      </Group>
      <Stack gap={4}>
        {items.map((x) => (
          <Group key={x.entryId} gap={6} wrap="nowrap" align="flex-start" data-testid="suggestion">
            <Stack gap={0} style={{ flex: 1, minWidth: 0 }}>
              <Text size="xs" fw={600}>
                {x.title}
              </Text>
              <Text size="xs" c="dimmed" lineClamp={2}>
                {x.text}
              </Text>
            </Stack>
            <Button
              size="compact-xs"
              variant="light"
              onClick={() => {
                onInsert(x.text);
                use.mutate(x);
              }}
              data-testid="suggestion-insert"
            >
              {t('suggest.insert')}
            </Button>
          </Group>
        ))}
      </Stack>
    </Paper>
  );
}
