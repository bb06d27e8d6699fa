// Every English text of the UI, as one chunk loaded only when English is needed.
import { collect, type Bundle } from './collect';

export default collect(
  import.meta.glob<Bundle>('../en/*.json', { eager: true, import: 'default' }),
  import.meta.glob<Bundle>('../../features/*/locales/en.json', { eager: true, import: 'default' }),
);
