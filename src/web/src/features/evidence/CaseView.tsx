import { Anchor, Badge, Button, Grid, Group, Image, Paper, Select, Stack, Text, Timeline, Title, Tooltip } from '@mantine/core';
import { IconArrowLeft, IconDownload, IconFile, IconPaperclip } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { PageHeader } from '../../shell/PageHeader';
import { QueryState } from '../settings/common';
import { DISPUTE_REASONS, fileUrl, PACK_LANGUAGES, packUrl, usePackCheck, useTimeline, type DisputeReason, type EvidenceRecord, type PackLanguage, type StoredFile } from './api';
import { CaseSubtitle, WarningList } from './EvidencePage';
import { caseTitle, useLabels, withNames } from '../records/api';
import { formatSize, formatWhen } from './format';
import { readableSummary } from './summary';

const KIND_COLOR: Record<string, string> = {
  message: 'blue',
  note: 'gray',
  attachment: 'cyan',
  remedy_offered: 'grape',
  remedy_approved: 'grape',
  remedy_given: 'grape',
  refund: 'green',
  coupon: 'green',
  reship: 'orange',
  tracking: 'orange',
  inspection: 'orange',
  classification: 'indigo',
  responsibility: 'red',
  status_change: 'gray',
  policy_snapshot: 'teal',
  order_snapshot: 'teal',
};

const TYPE_LABEL: Record<string, string> = { 'text/plain': 'TXT', 'application/pdf': 'PDF', 'video/mp4': 'MP4', 'video/quicktime': 'MOV', 'image/heic': 'HEIC' };

function messageText(r: EvidenceRecord): string | undefined {
  return typeof r.data.text === 'string' && r.data.text !== r.summary ? r.data.text : undefined;
}

function FileTile({ file }: { file: StoredFile }) {
  const { t } = useTranslation('evidence');
  return (
    <Tooltip label={`${file.contentType} · ${formatSize(file.size)} · sha256 ${file.sha256.slice(0, 16)}…`}>
      <Anchor href={fileUrl(file.sha256)} target="_blank" rel="noreferrer" aria-label={t('timeline.openFile')} data-testid="evidence-file">
        {file.thumbnailSha256 ? (
          <Image src={fileUrl(file.thumbnailSha256)} alt="" w={88} h={66} radius="sm" fit="cover" />
        ) : (
          <Paper withBorder w={88} h={66} radius="sm">
            <Stack align="center" justify="center" h="100%" gap={0}>
              <IconFile size={20} stroke={1.5} />
              <Text size="10px" c="dimmed">
                {TYPE_LABEL[file.contentType] ?? file.contentType.split('/')[1]?.toUpperCase()}
              </Text>
            </Stack>
          </Paper>
        )}
      </Anchor>
    </Tooltip>
  );
}

function PackCard({ caseId }: { caseId: string }) {
  const { t } = useTranslation('evidence');
  const [reason, setReason] = useState<DisputeReason>('not_as_described');
  const { i18n } = useTranslation();
  // The reader's language first; the pack can be made in the buyer's or the platform's too.
  const [language, setLanguage] = useState<PackLanguage>(i18n.language === 'zh-CN' ? 'zh-CN' : 'en');
  const check = usePackCheck(caseId, reason, language);
  return (
    <Paper withBorder radius="md" p="md">
      <Stack gap="sm">
        <Title order={3} fz={16} fw={600}>
          {t('pack.title')}
        </Title>
        <Text size="sm" c="dimmed">
          {t('pack.intro')}
        </Text>
        <Select
          label={t('pack.reason')}
          value={reason}
          onChange={(v) => v && setReason(v as DisputeReason)}
          data={DISPUTE_REASONS.map((r) => ({ value: r, label: t(`reasons.${r}`) }))}
          allowDeselect={false}
          data-testid="pack-reason"
        />
        <Select
          label={t('pack.language')}
          value={language}
          onChange={(v) => v && setLanguage(v as PackLanguage)}
          data={PACK_LANGUAGES.map((l) => ({ value: l, label: t(`languages.${l}`) }))}
          allowDeselect={false}
          data-testid="pack-language"
        />
        <QueryState isPending={check.isPending} error={check.error} empty={false} emptyText="">
          {check.data && (
            <>
              <WarningList warnings={check.data.warnings} />
              <Stack gap={2} data-testid="pack-sections">
                {Object.entries(check.data.sections).map(([s, c]) => (
                  <Group key={s} justify="space-between" gap="xs" wrap="nowrap">
                    <Text size="xs" c="dimmed">
                      {t(`sections.${s}`)}
                    </Text>
                    <Group gap={4} wrap="nowrap">
                      <Text size="xs" c="dimmed">
                        {t('pack.recordCount', { count: c.records })} · {t('pack.fileCount', { count: c.files })}
                      </Text>
                      {c.files > 0 && <IconPaperclip size={11} color="var(--mantine-color-dimmed)" />}
                    </Group>
                  </Group>
                ))}
              </Stack>
            </>
          )}
        </QueryState>
        <Button component="a" href={packUrl(caseId, reason, language)} download leftSection={<IconDownload size={16} />} data-testid="build-pack">
          {t('pack.build')}
        </Button>
      </Stack>
    </Paper>
  );
}

export function CaseView() {
  const { t, i18n } = useTranslation('evidence');
  const caseId = decodeURIComponent(useParams().caseId ?? '');
  const timeline = useTimeline(caseId);
  const files = new Map((timeline.data?.files ?? []).map((f) => [f.sha256, f]));
  const { t: tr } = useTranslation('records');
  const records = timeline.data?.records ?? [];
  const labels = useLabels([caseId, ...records.map((r) => r.actor.id ?? '').filter((x) => x.startsWith('usr_'))], records.map((r) => r.summary));
  const label = labels.data?.cases.find((c) => c.id === caseId);
  const people = new Map((labels.data?.people ?? []).map((p) => [p.id, p.name]));
  const actorName = (r: EvidenceRecord) => {
    const name = r.actor.name ?? (r.actor.id ? people.get(r.actor.id) : undefined);
    return name ? `${name} · ${t(`actors.${r.actor.type}`)}` : t(`actors.${r.actor.type}`);
  };
  return (
    <>
      <Anchor component={Link} to="/evidence" size="sm">
        <Group gap={4}>
          <IconArrowLeft size={14} />
          {t('back')}
        </Group>
      </Anchor>
      <PageHeader title={<span data-testid="case-title">{caseTitle(label, tr) ?? t('caseTitle', { caseId })}</span>} description={t('caseDescription')} />
      <CaseSubtitle l={label} />
      <QueryState isPending={timeline.isPending} error={timeline.error} empty={!timeline.data?.records.length} emptyText={t('timeline.empty')}>
        <Grid mt="md" gap="lg">
          <Grid.Col span={{ base: 12, md: 8 }}>
            <Paper withBorder radius="md" p="md">
              <Timeline bulletSize={14} lineWidth={2} data-testid="evidence-timeline">
                {timeline.data?.records.map((r) => (
                  <Timeline.Item
                    key={r.id}
                    title={
                      <Group gap="xs" wrap="wrap">
                        <Badge size="sm" variant="light" color={KIND_COLOR[r.kind] ?? 'gray'}>
                          {t(`kinds.${r.kind}`)}
                        </Badge>
                        <Text size="sm" fw={500}>
                          {readableSummary(r, t, i18n.language) ?? withNames(r.summary, labels.data)}
                        </Text>
                        {r.responsibility && (
                          <Badge size="sm" color="red" variant="outline">
                            {t('timeline.responsible', { who: t(`responsibility.${r.responsibility}`) })}
                          </Badge>
                        )}
                      </Group>
                    }
                  >
                    <Text size="xs" c="dimmed">
                      {formatWhen(r.occurredAt, i18n.language)} · {actorName(r)} · {t(`sections.${r.section}`)} · #{r.seq}
                    </Text>
                    {messageText(r) && (
                      <Text size="sm" mt={4} style={{ whiteSpace: 'pre-wrap' }}>
                        {messageText(r)}
                      </Text>
                    )}
                    {r.fileSha256s.length > 0 && (
                      <Group gap="xs" mt={6}>
                        {r.fileSha256s.map((sha) => {
                          const f = files.get(sha);
                          return f ? <FileTile key={sha} file={f} /> : null;
                        })}
                      </Group>
                    )}
                  </Timeline.Item>
                ))}
              </Timeline>
            </Paper>
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 4 }}>
            <PackCard caseId={caseId} />
          </Grid.Col>
        </Grid>
      </QueryState>
    </>
  );
}
