// Every Chinese text of the UI, as one chunk loaded only when Chinese is chosen.
import { collect, type Bundle } from './collect';

export default collect(
  import.meta.glob<Bundle>('../zh-CN/*.json', { eager: true, import: 'default' }),
  import.meta.glob<Bundle>('../../features/*/locales/zh-CN.json', { eager: true, import: 'default' }),
);
