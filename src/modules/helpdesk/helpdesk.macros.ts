/**
 * Starter playbooks, written for each buyer language rather than translated word for word: a
 * German buyer expects "Sie", an Italian one a warmer close. Variables: {{order_number}},
 * {{product}}, {{tracking_link}}, {{buyer_name}}, {{shop_name}}.
 */
export interface DefaultMacro {
  key: string;
  name: string;
  category: string;
  bodies: Record<'en' | 'de' | 'fr' | 'it' | 'es', string>;
}

export const DEFAULT_MACROS: DefaultMacro[] = [
  {
    key: 'where_is_my_order',
    name: 'Where is my order?',
    category: 'shipping',
    bodies: {
      en: `Hi {{buyer_name}},

thanks for reaching out about order {{order_number}}. Your {{product}} is on its way, and you can follow every step of the delivery here: {{tracking_link}}

If the tracking hasn't moved in the next two business days, just reply to this message and we'll chase the carrier for you.

Best regards,
{{shop_name}}`,
      de: `Hallo {{buyer_name}},

vielen Dank für Ihre Nachricht zu Bestellung {{order_number}}. Ihr {{product}} ist bereits unterwegs – den aktuellen Stand der Lieferung sehen Sie hier: {{tracking_link}}

Sollte sich die Sendungsverfolgung in den nächsten zwei Werktagen nicht bewegen, antworten Sie einfach auf diese Nachricht, dann kümmern wir uns beim Versanddienstleister darum.

Viele Grüße
{{shop_name}}`,
      fr: `Bonjour {{buyer_name}},

merci pour votre message concernant la commande {{order_number}}. Votre {{product}} est en route, et vous pouvez suivre la livraison étape par étape ici : {{tracking_link}}

Si le suivi n'évolue pas d'ici deux jours ouvrés, répondez simplement à ce message et nous relancerons le transporteur pour vous.

Bien cordialement,
{{shop_name}}`,
      it: `Ciao {{buyer_name}},

grazie per averci scritto riguardo all'ordine {{order_number}}. Il tuo {{product}} è già in viaggio e puoi seguire la consegna passo dopo passo qui: {{tracking_link}}

Se il tracciamento non si aggiorna entro due giorni lavorativi, rispondi pure a questo messaggio e solleciteremo noi il corriere.

Un caro saluto,
{{shop_name}}`,
      es: `Hola, {{buyer_name}}:

gracias por escribirnos sobre el pedido {{order_number}}. Tu {{product}} ya está en camino y puedes seguir el envío paso a paso aquí: {{tracking_link}}

Si el seguimiento no avanza en los próximos dos días hábiles, responde a este mensaje y nos pondremos en contacto con la empresa de transporte.

Un saludo,
{{shop_name}}`,
    },
  },
  {
    key: 'size_fit',
    name: 'Size and fit',
    category: 'product',
    bodies: {
      en: `Hi {{buyer_name}},

sorry the {{product}} doesn't fit quite right. Could you tell us your usual size and what feels off — too tight, too loose, too long? With that we can suggest the size that will suit you best.

If you'd prefer to swap it, we'll arrange an exchange for the right size at no extra cost for order {{order_number}}.

Best regards,
{{shop_name}}`,
      de: `Hallo {{buyer_name}},

schade, dass {{product}} nicht richtig passt. Können Sie uns Ihre übliche Größe nennen und sagen, was nicht stimmt – zu eng, zu weit, zu lang? Dann empfehlen wir Ihnen die Größe, die am besten sitzt.

Wenn Sie möchten, tauschen wir den Artikel aus Bestellung {{order_number}} kostenlos gegen die passende Größe um.

Viele Grüße
{{shop_name}}`,
      fr: `Bonjour {{buyer_name}},

nous sommes désolés que {{product}} ne vous aille pas parfaitement. Pourriez-vous nous indiquer votre taille habituelle et ce qui ne convient pas : trop serré, trop large, trop long ? Nous pourrons ainsi vous conseiller la taille idéale.

Si vous le souhaitez, nous organisons l'échange contre la bonne taille, sans frais, pour la commande {{order_number}}.

Bien cordialement,
{{shop_name}}`,
      it: `Ciao {{buyer_name}},

ci dispiace che {{product}} non ti vesta alla perfezione. Puoi dirci la taglia che porti di solito e cosa non va – troppo stretto, troppo largo, troppo lungo? Così possiamo consigliarti la taglia giusta.

Se preferisci, organizziamo il cambio con la taglia corretta per l'ordine {{order_number}}, senza costi aggiuntivi.

Un caro saluto,
{{shop_name}}`,
      es: `Hola, {{buyer_name}}:

sentimos que {{product}} no te quede bien. ¿Nos cuentas qué talla usas normalmente y qué notas: demasiado ajustado, demasiado holgado, demasiado largo? Así te recomendaremos la talla que mejor te siente.

Si lo prefieres, te cambiamos el artículo del pedido {{order_number}} por la talla correcta sin coste adicional.

Un saludo,
{{shop_name}}`,
    },
  },
  {
    key: 'colour_difference',
    name: 'Colour looks different from the photos',
    category: 'product',
    bodies: {
      en: `Hi {{buyer_name}},

thank you for letting us know the colour of your {{product}} isn't what you expected. Screens and studio lighting can change how a shade looks, but we want you to be happy with it.

Could you send us a photo of the item in daylight? We'll compare it with our reference and come back to you with the options for order {{order_number}}.

Best regards,
{{shop_name}}`,
      de: `Hallo {{buyer_name}},

danke für Ihren Hinweis, dass die Farbe von {{product}} anders aussieht als erwartet. Bildschirme und Studiolicht können Farbtöne verändern – trotzdem möchten wir, dass Sie zufrieden sind.

Könnten Sie uns ein Foto des Artikels bei Tageslicht schicken? Wir vergleichen es mit unserem Referenzmuster und melden uns mit den Möglichkeiten zu Bestellung {{order_number}}.

Viele Grüße
{{shop_name}}`,
      fr: `Bonjour {{buyer_name}},

merci de nous avoir signalé que la couleur de {{product}} ne correspond pas à ce que vous attendiez. Les écrans et l'éclairage en studio peuvent modifier une teinte, mais nous tenons à ce que vous soyez satisfait(e).

Pourriez-vous nous envoyer une photo de l'article à la lumière du jour ? Nous la comparerons à notre modèle de référence et reviendrons vers vous avec les solutions possibles pour la commande {{order_number}}.

Bien cordialement,
{{shop_name}}`,
      it: `Ciao {{buyer_name}},

grazie per averci segnalato che il colore di {{product}} non è come te lo aspettavi. Schermi e luci da studio possono cambiare l'aspetto di una tonalità, ma per noi conta che tu sia soddisfatto.

Puoi mandarci una foto dell'articolo alla luce del giorno? La confronteremo con il nostro campione e ti proporremo le soluzioni per l'ordine {{order_number}}.

Un caro saluto,
{{shop_name}}`,
      es: `Hola, {{buyer_name}}:

gracias por avisarnos de que el color de {{product}} no es el que esperabas. Las pantallas y la luz de estudio pueden alterar un tono, pero queremos que quedes contento/a con tu compra.

¿Podrías enviarnos una foto del artículo con luz natural? La compararemos con nuestra muestra de referencia y te propondremos opciones para el pedido {{order_number}}.

Un saludo,
{{shop_name}}`,
    },
  },
  {
    key: 'return_instructions',
    name: 'How to return an item',
    category: 'returns',
    bodies: {
      en: `Hi {{buyer_name}},

no problem — here's how to return your {{product}} from order {{order_number}}:

1. Open the order in the TikTok Shop app and tap "Return/Refund".
2. Choose the reason and add a photo of the item.
3. Pack it securely, ideally in the original box with all accessories.
4. Drop it off with the label we send you once the request is approved.

Your refund is issued as soon as the parcel has arrived and been checked. You can follow the return here: {{tracking_link}}

Best regards,
{{shop_name}}`,
      de: `Hallo {{buyer_name}},

kein Problem – so senden Sie {{product}} aus Bestellung {{order_number}} zurück:

1. Öffnen Sie die Bestellung in der TikTok-Shop-App und tippen Sie auf „Rückgabe/Erstattung“.
2. Wählen Sie den Grund aus und fügen Sie ein Foto des Artikels hinzu.
3. Verpacken Sie ihn sicher, am besten im Originalkarton mit allem Zubehör.
4. Geben Sie das Paket mit dem Etikett ab, das wir Ihnen nach der Freigabe schicken.

Die Erstattung erfolgt, sobald das Paket bei uns angekommen und geprüft ist. Den Stand der Rücksendung sehen Sie hier: {{tracking_link}}

Viele Grüße
{{shop_name}}`,
      fr: `Bonjour {{buyer_name}},

aucun souci, voici comment retourner {{product}} de la commande {{order_number}} :

1. Ouvrez la commande dans l'application TikTok Shop et touchez « Retour/Remboursement ».
2. Choisissez le motif et ajoutez une photo de l'article.
3. Emballez-le soigneusement, de préférence dans sa boîte d'origine avec tous les accessoires.
4. Déposez le colis avec l'étiquette que nous vous enverrons une fois la demande acceptée.

Le remboursement est effectué dès réception et vérification du colis. Vous pouvez suivre le retour ici : {{tracking_link}}

Bien cordialement,
{{shop_name}}`,
      it: `Ciao {{buyer_name}},

nessun problema: ecco come restituire {{product}} dell'ordine {{order_number}}:

1. Apri l'ordine nell'app TikTok Shop e tocca "Reso/Rimborso".
2. Scegli il motivo e aggiungi una foto dell'articolo.
3. Imballalo con cura, meglio se nella confezione originale con tutti gli accessori.
4. Consegna il pacco con l'etichetta che ti invieremo dopo l'approvazione della richiesta.

Il rimborso parte appena il pacco arriva da noi ed è stato controllato. Puoi seguire il reso qui: {{tracking_link}}

Un caro saluto,
{{shop_name}}`,
      es: `Hola, {{buyer_name}}:

sin problema. Así puedes devolver {{product}} del pedido {{order_number}}:

1. Abre el pedido en la app de TikTok Shop y pulsa «Devolución/Reembolso».
2. Elige el motivo y añade una foto del artículo.
3. Empaquétalo bien, a ser posible en la caja original con todos los accesorios.
4. Entrega el paquete con la etiqueta que te enviaremos cuando aprobemos la solicitud.

El reembolso se emite en cuanto el paquete llega y lo revisamos. Puedes seguir la devolución aquí: {{tracking_link}}

Un saludo,
{{shop_name}}`,
    },
  },
  {
    key: 'apology',
    name: 'Apology',
    category: 'general',
    bodies: {
      en: `Hi {{buyer_name}},

we're truly sorry about the trouble with your order {{order_number}}. This isn't the experience we want you to have with {{shop_name}}, and we're taking care of it personally.

We'll update you as soon as we have news — you won't need to chase us.

Kind regards,
{{shop_name}}`,
      de: `Hallo {{buyer_name}},

es tut uns wirklich leid, dass es mit Ihrer Bestellung {{order_number}} Ärger gab. So soll sich ein Einkauf bei {{shop_name}} nicht anfühlen, und wir kümmern uns persönlich darum.

Sobald es Neuigkeiten gibt, melden wir uns bei Ihnen – Sie müssen nicht nachfragen.

Freundliche Grüße
{{shop_name}}`,
      fr: `Bonjour {{buyer_name}},

nous sommes sincèrement désolés pour le désagrément lié à votre commande {{order_number}}. Ce n'est pas l'expérience que nous souhaitons vous offrir chez {{shop_name}}, et nous nous en occupons personnellement.

Nous revenons vers vous dès que nous avons du nouveau, vous n'aurez pas besoin de nous relancer.

Bien cordialement,
{{shop_name}}`,
      it: `Ciao {{buyer_name}},

ci scusiamo davvero per il disagio con il tuo ordine {{order_number}}. Non è l'esperienza che vogliamo offrirti da {{shop_name}} e ce ne stiamo occupando personalmente.

Ti aggiorneremo appena avremo novità, non dovrai sollecitarci.

Un caro saluto,
{{shop_name}}`,
      es: `Hola, {{buyer_name}}:

sentimos de verdad las molestias con tu pedido {{order_number}}. No es la experiencia que queremos ofrecerte en {{shop_name}} y nos estamos ocupando personalmente.

Te escribiremos en cuanto tengamos novedades; no hará falta que nos lo recuerdes.

Un saludo cordial,
{{shop_name}}`,
    },
  },
];
