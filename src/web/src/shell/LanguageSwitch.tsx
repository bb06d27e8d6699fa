import { SegmentedControl } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../lib/api';
import { errorMessage } from '../lib/errors';
import { ME_KEY, type UserView } from '../lib/session';
import { applyLocale, currentLocale, isUiLocale, type UiLocale } from '../i18n';

/** Marks a choice made on the login page, so signing in carries it over to the account. */
export const PICKED_BEFORE_LOGIN = 'afterdesk.localePickedBeforeLogin';

/**
 * zh-CN ⇄ en. Before sign-in the choice lives in localStorage; signed in, it is saved on the
 * account (`PATCH /api/auth/me`) so it follows the user to other browsers.
 */
export function LanguageSwitch({ signedIn }: { signedIn: boolean }) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();

  async function change(value: string) {
    if (!isUiLocale(value) || value === currentLocale()) return;
    // Saved on the account at once, while the language's texts load: a page opened right after the
    // click must already find the choice on the account.
    const saved = signedIn ? api.patch<{ user: UserView }>('/api/auth/me', { uiLocale: value }) : null;
    saved?.catch(() => undefined);
    await applyLocale(value as UiLocale);
    if (!saved) {
      sessionStorage.setItem(PICKED_BEFORE_LOGIN, '1');
      return;
    }
    try {
      const res = await saved;
      qc.setQueryData(ME_KEY, res.user);
    } catch (e) {
      notifications.show({ color: 'red', title: t('header.languageNotSaved'), message: errorMessage(t, e) });
    }
  }

  return (
    <SegmentedControl
      size="xs"
      radius="sm"
      aria-label={t('header.language')}
      value={isUiLocale(i18n.language) ? i18n.language : 'en'}
      onChange={(v) => void change(v)}
      data={[
        { value: 'en', label: 'EN' },
        { value: 'zh-CN', label: '中文' },
      ]}
      data-testid="language-switch"
    />
  );
}
