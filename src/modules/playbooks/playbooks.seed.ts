import type { ProblemCategory } from '../remedies/index.js';
import type { ProcedureContent } from './playbooks.schema.js';

type T = { en: string; 'zh-CN': string };
const t = (en: string, zh: string): T => ({ en, 'zh-CN': zh });
const step = (title: T, checks: T[], detail?: T) => ({ title, detail: detail ?? null, checks });

/** Starter procedures for the demo organisation, written for new agents (English and Chinese). */
export const DEFAULT_PROCEDURES: { category: ProblemCategory; content: Omit<ProcedureContent, 'active'> }[] = [
  {
    category: 'not_as_described',
    content: {
      title: t('Item not as expected', '商品与预期不符'),
      steps: [
        step(t('Understand what differs', '弄清差异在哪里'), [t('Asked which detail differs from the listing', '已询问与商品页不同的具体细节'), t('Asked for a photo next to the listing picture', '已请买家提供与商品图对比的照片')]),
        step(t('Explain the product honestly', '如实解释商品特性'), [t('Checked the product notes for known quirks (smell, texture, colour)', '已查看商品备注中的已知特性（气味、质感、颜色）'), t('Explained the quirk and how it settles', '已说明该特性及如何缓解')], t('Most "not as expected" cases are a trait of the material, not a defect.', '大多数“与预期不符”是材质特性，并非质量问题。')),
        step(t('Offer the remedy', '提供补偿方案'), [t('Offered the tier-2 partial refund before a return', '退货前已提供二级部分退款'), t('Recorded the buyer\'s answer', '已记录买家的答复')]),
      ],
      remedyTier: 2,
      escalateWhen: t('The buyer reports a safety issue or the listing itself is wrong', '买家反映安全问题，或商品页本身描述有误'),
      escalateAfterHours: 48,
    },
  },
  {
    category: 'size_fit',
    content: {
      title: t('Size or fit problem', '尺码或版型问题'),
      steps: [
        step(t('Get the measurements', '获取尺寸信息'), [t('Asked for height, usual size and the size ordered', '已询问身高、平时尺码和所购尺码'), t('Compared with the size chart', '已对照尺码表')]),
        step(t('Offer an exchange first', '优先提供换货'), [t('Offered the next size (exchange)', '已提供换大/小一码'), t('Explained the return steps if no exchange is wanted', '如不换货，已说明退货步骤')]),
      ],
      remedyTier: 2,
      escalateWhen: t('The size chart looks wrong for this product', '该商品的尺码表似乎有误'),
      escalateAfterHours: 72,
    },
  },
  {
    category: 'colour_difference',
    content: {
      title: t('Colour looks different', '颜色与图片不同'),
      steps: [
        step(t('See the colour', '确认颜色'), [t('Asked for a photo in daylight', '已请买家在自然光下拍照')]),
        step(t('Explain and offer', '解释并提供方案'), [t('Explained screen and lighting differences', '已解释屏幕和光线造成的色差'), t('Offered the tier-1 coupon', '已提供一级优惠券')]),
      ],
      remedyTier: 1,
      escalateWhen: t('The photo shows a clearly different colour variant', '照片显示明显是另一种颜色款式'),
      escalateAfterHours: null,
    },
  },
  {
    category: 'minor_flaw',
    content: {
      title: t('Small flaw (scratch, stain, smell)', '轻微瑕疵（划痕、污渍、气味）'),
      steps: [
        step(t('Document the flaw', '记录瑕疵'), [t('Asked for a close-up photo', '已请买家拍摄特写照片'), t('Saved the photo to the evidence record', '照片已存入证据记录')]),
        step(t('Resolve without a return', '不退货解决'), [t('Gave care advice (airing, cleaning)', '已提供护理建议（通风、清洁）'), t('Offered the tier-1 coupon or small refund', '已提供一级优惠券或小额退款')]),
      ],
      remedyTier: 1,
      escalateWhen: t('The flaw makes the item unusable', '瑕疵导致商品无法使用'),
      escalateAfterHours: null,
    },
  },
  {
    category: 'severe_damage',
    content: {
      title: t('Arrived broken', '商品到货损坏'),
      steps: [
        step(t('Collect proof', '收集证据'), [t('Photos of item, box and shipping label', '已收集商品、包装盒和快递单照片'), t('Evidence record complete', '证据记录完整')]),
        step(t('Replace or refund', '补发或退款'), [t('Offered a reship or a full refund (tier 3)', '已提供补发或全额退款（三级）'), t('Opened a carrier claim if the box is damaged', '如外箱破损，已向承运商索赔')]),
      ],
      remedyTier: 3,
      escalateWhen: t('High-value item or the buyer was injured', '高价值商品或买家受伤'),
      escalateAfterHours: 24,
    },
  },
  {
    category: 'wrong_item',
    content: {
      title: t('Wrong item sent', '发错商品'),
      steps: [
        step(t('Confirm the mix-up', '确认错发'), [t('Photo of the item and its SKU label', '已获取商品及 SKU 标签照片'), t('Checked the packing record with the warehouse', '已与仓库核对打包记录')]),
        step(t('Send the right item', '补发正确商品'), [t('Reship arranged (tier 3)', '已安排补发（三级）'), t('Told the buyer whether to return the wrong item', '已告知买家是否需要退回错发商品')]),
      ],
      remedyTier: 3,
      escalateWhen: t('Several wrong items from the same batch', '同一批次多次发错'),
      escalateAfterHours: 24,
    },
  },
  {
    category: 'missing_item',
    content: {
      title: t('Item missing from the parcel', '包裹内商品缺失'),
      steps: [
        step(t('Check the parcel weight and packing', '核对包裹重量与打包'), [t('Compared the carrier weight with the expected weight', '已对比承运商称重与应有重量'), t('Asked for a photo of the opened parcel', '已请买家提供开箱照片')]),
        step(t('Resolve', '处理'), [t('Reship or refund of the missing line (tier 3)', '已补发或退还缺失商品款项（三级）')]),
      ],
      remedyTier: 3,
      escalateWhen: t('The weight shows the parcel was complete', '称重显示包裹完整'),
      escalateAfterHours: 24,
    },
  },
  {
    category: 'logistics_question',
    content: {
      title: t('Where is my parcel?', '包裹在哪里？'),
      steps: [
        step(t('Look up tracking', '查询物流'), [t('Shared the tracking link', '已发送物流链接'), t('Checked for carrier delays', '已检查承运商是否延误')]),
        step(t('Set expectations', '说明预期'), [t('Gave the expected delivery date', '已告知预计送达日期')]),
      ],
      remedyTier: null,
      escalateWhen: t('No tracking movement for 5 days', '物流 5 天无更新'),
      escalateAfterHours: 120,
    },
  },
  {
    category: 'changed_mind',
    content: {
      title: t('Buyer changed their mind', '买家改变主意'),
      steps: [
        step(t('Check the return window', '确认退货期限'), [t('Checked the order is within the return window', '已确认订单在退货期内')]),
        step(t('Explain the return', '说明退货'), [t('Explained the return steps and who pays shipping', '已说明退货步骤及运费承担方')]),
      ],
      remedyTier: null,
      escalateWhen: t('The buyer insists after the window has closed', '超过退货期限后买家仍坚持退货'),
      escalateAfterHours: null,
    },
  },
];
