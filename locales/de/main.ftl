## layout
skip-to-content = Zum Inhalt springen
nav-label = Hauptnavigation
nav-dashboard = Übersicht
nav-logout = Abmelden
lang-switch-label = Sprache
footer-terms = Nutzungsbedingungen
footer-privacy = Datenschutzhinweise

## home page
home-title = Videosprechstunde für Ihre Praxis
home-heading = Videosprechstunde, einfach und vertraulich
home-lead = Ihre Patientinnen und Patienten öffnen Ihren Raum-Link im Browser, geben ihren Namen ein und warten, bis Sie das Gespräch beginnen. Keine App, kein Konto für Patienten.
home-point-1 = Das Gespräch läuft direkt zwischen den beiden Browsern, Ende-zu-Ende-verschlüsselt.
home-point-2 = Der Server speichert nichts über Patienten: Namen liegen nur im Arbeitsspeicher, solange jemand verbunden ist.
home-point-3 = Niemand betritt ein Gespräch, ohne dass Sie ihn hereinlassen.
home-signup = Konto für Behandelnde anlegen
home-login = Anmelden
home-dashboard = Zu Ihrer Übersicht

## signup and login
signup-title = Konto anlegen
signup-heading = Legen Sie Ihr Konto an
signup-lead = Sie erhalten einen dauerhaften Raum-Link für Ihre Patientinnen und Patienten.
field-name = Ihr Name
field-name-hint = Wird Patienten angezeigt, zum Beispiel „Dr. Erika Muster“.
field-practice-name = Name der Praxis
field-email = E-Mail-Adresse
field-slug = Raum-Link
field-slug-hint = Kleinbuchstaben, Ziffern und Bindestriche, zum Beispiel „praxis-muster“.
field-password = Passwort
field-password-hint = Mindestens 12 Zeichen. Lange Passphrasen sind willkommen.
signup-submit = Konto anlegen
signup-have-account = Sie haben schon ein Konto?
form-has-errors = Bitte korrigieren Sie die markierten Felder.
name-missing = Bitte geben Sie Ihren Namen ein.
name-invalid = Bitte geben Sie einen Namen mit höchstens 100 Zeichen und ohne Steuerzeichen ein.
practice-name-missing = Bitte geben Sie den Namen Ihrer Praxis ein.
practice-name-invalid = Bitte geben Sie einen Praxisnamen mit höchstens 100 Zeichen und ohne Steuerzeichen ein.
email-invalid = Bitte geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel name@praxis.example.
email-taken = Mit dieser E-Mail-Adresse kann kein neues Konto angelegt werden. Wenn es Ihre ist, melden Sie sich bitte an.
slug-too-short = Der Raum-Link braucht mindestens 3 Zeichen.
slug-too-long = Der Raum-Link darf höchstens 40 Zeichen haben.
slug-invalid = Der Raum-Link darf nur Kleinbuchstaben a–z, Ziffern und einzelne Bindestriche enthalten und nicht mit einem Bindestrich beginnen oder enden.
slug-reserved = Dieser Raum-Link ist für visite reserviert. Bitte wählen Sie einen anderen.
slug-taken = Dieser Raum-Link ist bereits vergeben. Bitte wählen Sie einen anderen.
password-too-short = Das Passwort braucht mindestens 12 Zeichen.
password-too-long = Das Passwort darf höchstens 1024 Zeichen haben.
password-personal = Das Passwort darf nicht aus Ihrem Namen, Ihrer E-Mail-Adresse, dem Praxisnamen oder Ihrem Raum-Link gebildet sein, auch nicht aus den Wörtern visite, Praxis oder Video.
login-title = Anmelden
login-heading = Melden Sie sich bei Ihrer Praxis an
login-submit = Anmelden
login-failed = E-Mail-Adresse oder Passwort ist falsch.
login-no-account = Noch kein Konto?

## page titles
room-title = Videosprechstunde bei { $practice }
dashboard-title = Ihr Wartezimmer

## room settings
waiting-message-too-long = Die Wartezimmer-Nachricht darf höchstens 500 Zeichen haben.
waiting-message-invalid = Die Wartezimmer-Nachricht enthält unzulässige Zeichen.

## errors
error-title = Fehler
error-not-signed-in = Bitte melden Sie sich zuerst an.
error-forbidden = Sie haben keinen Zugriff auf diese Seite.
error-not-found = Diese Seite gibt es nicht. Bitte prüfen Sie den Link.
error-cross-origin = Dieses Formular wurde von einer anderen Website gesendet und abgelehnt. Bitte öffnen Sie die Seite direkt und versuchen Sie es erneut.
error-rate-limited = Zu viele Versuche. Bitte warten Sie eine Minute und versuchen Sie es dann erneut.
error-bad-request = Die Anfrage konnte nicht gelesen werden. Bitte laden Sie die Seite neu und versuchen Sie es erneut.
error-too-large = Die Anfrage ist zu groß. Bitte kürzen Sie Ihre Eingabe und versuchen Sie es erneut.
error-internal = Bei uns ist etwas schiefgegangen. Bitte versuchen Sie es gleich noch einmal.
error-back-home = Zurück zur Startseite

## terms of use
terms-title = Nutzungsbedingungen
terms-1 = visite verbindet Patientinnen und Patienten mit ihrer Ärztin, ihrem Arzt oder ihrer Therapeutin bzw. ihrem Therapeuten zu einer Videosprechstunde. Die Praxis, die Ihnen den Link gegeben hat, betreibt diesen Dienst oder hat ihn beauftragt und ist für die Sprechstunde verantwortlich.
terms-2 = Sie brauchen kein Konto und keine App. Sie geben einen Namen ein, unter dem die Praxis Sie erkennt. Dieser Name ist eine eigene Angabe: Die Praxis prüft Ihre Identität im Gespräch, so wie am Empfang.
terms-3 = Das Videogespräch läuft direkt zwischen Ihrem Browser und dem Browser der Praxis und ist Ende-zu-Ende-verschlüsselt (DTLS-SRTP). Wo ein Netzwerk keine direkte Verbindung erlaubt, leitet ein Relay-Server die verschlüsselten Daten weiter, ohne sie lesen zu können. Es wird nichts aufgezeichnet.
terms-4 = Bitte nehmen Sie von einem ruhigen, geschützten Ort aus teil, an dem niemand ungewollt mithört. Zeichnen Sie das Gespräch nicht auf und geben Sie den Raum-Link nicht an andere weiter.
terms-5 = Das Wartezimmer zeigt Ihnen nur Ihren eigenen Status. Die Praxis beginnt das Gespräch, sobald sie bereit ist; Sie können das Wartezimmer jederzeit verlassen.
terms-6 = Eine Videosprechstunde ersetzt keinen Notdienst. Im Notfall wählen Sie bitte 112.
terms-7 = Der Dienst enthält keine Werbung und kein Tracking und lädt nichts von anderen Websites.

## privacy notice
privacy-title = Datenschutzhinweise
privacy-1 = Patientinnen und Patienten: Ihr Name liegt nur im Arbeitsspeicher des Servers, solange Ihr Browser mit dem Wartezimmer oder dem Gespräch verbunden ist, damit die Praxis sieht, wer wartet. Er wird nie in eine Datenbank, eine Datei oder ein Protokoll geschrieben und ist weg, sobald Sie gehen.
privacy-2 = Ihre IP-Adresse wird für den Verbindungsaufbau und zur Abwehr von Missbrauch verwendet. Sie wird nicht gespeichert.
privacy-3 = Ton und Bild laufen direkt zwischen den beiden Browsern, Ende-zu-Ende-verschlüsselt. Der Server kann das Gespräch weder sehen noch hören und zeichnet nichts auf.
privacy-4 = Von jedem Gespräch speichert der Server nur, welche behandelnde Person es geführt hat, wann es begann und wie lange es dauerte.
privacy-5 = Behandelnde: Der Server speichert Ihren Namen, den Praxisnamen, Ihre E-Mail-Adresse, Ihren Raum-Link, Ihre Wartezimmer-Nachricht, einen gesalzenen Hash Ihres Passworts und Ihre Anmeldesitzungen.
privacy-6 = Diese Website verwendet nur vier Cookies: Ihre Sprachwahl und für Behandelnde eine Anmeldesitzung, einen Zufallswert, an dem ein Browser mit früherer Anmeldung erkannt wird (400 Tage gespeichert), und einen Link aus einer E-Mail für höchstens 10 Minuten. Es gibt keine Analyse, keine Werbung und keine Anfragen an andere Websites.

## room page
room-kicker = Videosprechstunde
room-join-heading = Anmelden
room-join-lead = Geben Sie Ihren Namen ein und melden Sie sich an. Danach warten Sie im Wartezimmer, bis die Praxis das Gespräch beginnt.
room-name-label = Ihr Name
room-name-hint = Die Praxis sieht diesen Namen in ihrem Wartezimmer. Verwenden Sie nur Buchstaben, Leerzeichen und die Zeichen - ' . ,
room-consent-label = Ich stimme den Nutzungsbedingungen für diese Videosprechstunde zu.
room-consent-terms-link = Nutzungsbedingungen lesen (öffnet einen neuen Tab)
room-check-in = Anmelden
room-relay-only-label = Meine IP-Adresse vor der Praxis verbergen
room-relay-only-hint = Ton und Bild laufen dann über den Vermittlungsserver (TURN), weiterhin Ende-zu-Ende-verschlüsselt. Der Browser der Praxis erfährt so Ihre Netzwerkadresse nicht. Die Verbindung kann etwas langsamer sein.
room-waiting-heading = Sie sind im Wartezimmer
room-waiting-status = Die Praxis beginnt das Gespräch in Kürze.
room-waiting-hint = Bitte lassen Sie diese Seite geöffnet. Sie können sie innerhalb von zwei Minuten neu laden, ohne Ihren Platz zu verlieren.
room-provider-note = Nachricht der Praxis:
room-leave = Wartezimmer verlassen
room-ended-heading = Besuch beendet
room-rejoin = Erneut anmelden

## dashboard
dashboard-heading = Ihr Wartezimmer
dashboard-link-heading = Ihr Raum-Link
dashboard-link-hint = Senden Sie diesen Link an Ihre Patientinnen und Patienten. Er bleibt für jede Sprechstunde gleich.
dashboard-link-label = Raum-Link
dashboard-copy = Link kopieren
dashboard-queue-heading = Wartende Patientinnen und Patienten
dashboard-unverified-notice = Die Namen geben die Patientinnen und Patienten selbst ein. Sie sind nicht überprüft: Bitte prüfen Sie zu Beginn jedes Gesprächs, mit wem Sie sprechen.
dashboard-queue-empty = Niemand wartet.
dashboard-call-elsewhere = In einem anderen Fenster oder Tab läuft ein Gespräch. Sie können die nächste Person hereinbitten, wenn es beendet ist.
dashboard-sign-in-hint = Die Verbindung zum Wartezimmer schlägt wiederholt fehl. Möglicherweise ist Ihre Anmeldung abgelaufen.
dashboard-sign-in-link = Erneut einloggen
dashboard-notifications-enable = Desktop-Benachrichtigungen einschalten
dashboard-media-hint = Kamera und Mikrofon starten, wenn Sie eine Person hereinbitten. Sie können beides vorher prüfen.
dashboard-media-check = Kamera und Mikrofon prüfen
dashboard-media-stop = Kamera und Mikrofon ausschalten
dashboard-recent-heading = Letzte Gespräche
dashboard-recent-hint = Gespeichert werden nur Beginn und Dauer jedes Gesprächs, niemals der Name einer Patientin oder eines Patienten.
dashboard-recent-empty = Noch keine Gespräche.
dashboard-recent-started = Beginn
dashboard-recent-duration = Dauer
dashboard-settings-heading = Raum-Einstellungen
dashboard-settings-slug = Name des Raum-Links
dashboard-settings-slug-hint = Kleinbuchstaben, Ziffern und einzelne Bindestriche, 3 bis 40 Zeichen. Wenn Sie ihn ändern, funktioniert der alte Link nicht mehr.
dashboard-settings-message = Nachricht im Wartezimmer
dashboard-settings-message-hint = Patientinnen und Patienten lesen diese Nachricht, während sie warten. Höchstens 500 Zeichen.
dashboard-settings-save = Einstellungen speichern
dashboard-settings-saved = Ihre Raum-Einstellungen wurden gespeichert.

## call
call-heading = Gespräch mit
call-reconnecting = Die Verbindung zum Server ist unterbrochen und wird wiederhergestellt. Das Gespräch läuft weiter.
call-remote-video-label = Video der anderen Person
call-remote-camera-off = Kamera ist aus
call-remote-muted = Mikrofon ist stummgeschaltet
call-play = Ton und Video starten
call-local-video-label = Ihre Kamera
call-local-camera-off = Ihre Kamera ist aus
call-controls-label = Gesprächssteuerung
call-mute = Stumm
call-camera-off = Kamera aus
call-hang-up = Gespräch beenden
media-heading = Kamera und Mikrofon
media-preview-label = Vorschau Ihrer Kamera
media-preview-off = Kein Kamerabild
media-retry = Erneut versuchen
media-audio-only = Nur mit Ton fortfahren
media-none = Ohne Kamera und Mikrofon fortfahren

## browser scripts
# Texte für die Skripte haben keine Argumente: Der Server setzt sie ohne Argumente ein.
js-media-starting = Kamera und Mikrofon werden gestartet…
js-media-on-full = Kamera und Mikrofon sind eingeschaltet.
js-media-on-audio = Nur Ihr Mikrofon ist eingeschaltet.
js-media-on-none = Sie nehmen ohne Kamera und Mikrofon teil. Sie können die andere Person trotzdem sehen und hören.
js-media-off = Kamera und Mikrofon sind ausgeschaltet.
js-media-denied = Der Browser darf Ihre Kamera oder Ihr Mikrofon nicht verwenden. Erlauben Sie den Zugriff in den Website-Einstellungen neben der Adressleiste und versuchen Sie es dann erneut.
js-media-no-device = Es wurde keine Kamera und kein Mikrofon gefunden. Bitte schließen Sie ein Gerät an und versuchen Sie es erneut.
js-media-in-use = Ihre Kamera oder Ihr Mikrofon konnte nicht gestartet werden. Möglicherweise verwendet ein anderes Programm das Gerät: Schließen Sie es und versuchen Sie es erneut.
js-media-unsupported = Dieser Browser kann auf dieser Seite keine Kamera und kein Mikrofon verwenden. Bitte nutzen Sie eine aktuelle Version von Firefox, Chrome, Edge oder Safari.
js-media-other = Ihre Kamera oder Ihr Mikrofon konnte nicht gestartet werden. Bitte versuchen Sie es erneut.
js-call-connecting = Verbindung wird aufgebaut…
js-call-connected = Verbunden
js-call-disconnected = Die Verbindung ist instabil. Es wird versucht, sie wiederherzustellen…
js-call-failed = Die Verbindung ist fehlgeschlagen. Neuer Versuch…
js-call-closed = Das Gespräch ist beendet.
js-checking-in = Anmeldung läuft…
js-connect-failed = Die Verbindung zum Server ist fehlgeschlagen. Bitte prüfen Sie Ihre Internetverbindung und versuchen Sie es erneut.
js-waiting-status = Die Praxis beginnt das Gespräch in Kürze.
js-waiting-resuming = Sie kehren ins Wartezimmer zurück…
js-waiting-resumed = Sie sind wieder im Wartezimmer. Ihr Platz wurde freigehalten.
js-waiting-reconnecting = Die Verbindung wurde unterbrochen. Sie wird wiederhergestellt…
js-resume-failed = Ihr Platz im Wartezimmer konnte nicht freigehalten werden. Bitte melden Sie sich erneut an.
js-name-empty = Bitte geben Sie Ihren Namen ein.
js-name-too-long = Ihr Name darf höchstens 64 Zeichen lang sein.
js-name-forbidden-character = Ihr Name enthält unsichtbare Zeichen oder Steuerzeichen. Bitte tippen Sie ihn erneut ein.
js-name-not-a-letter = Bitte verwenden Sie in Ihrem Namen nur Buchstaben, Leerzeichen und die Zeichen - ' . ,
js-consent-missing = Bitte stimmen Sie den Nutzungsbedingungen zu, um sich anzumelden.
js-ended-hung-up = Das Gespräch ist beendet. Vielen Dank für Ihren Besuch.
js-ended-removed = Die Praxis hat Ihren Besuch beendet.
js-ended-left = Sie haben das Wartezimmer verlassen.
js-ended-provider-left = Die Verbindung der Praxis wurde unterbrochen, daher ist das Gespräch beendet. Melden Sie sich bei Bedarf bitte erneut an.
js-ended-patient-left = Ihre Verbindung wurde unterbrochen, daher ist das Gespräch beendet. Melden Sie sich bei Bedarf bitte erneut an.
js-ended-replaced = Dieser Besuch wird in einem anderen Fenster oder Tab fortgesetzt.
js-ended-connection-lost = Die Verbindung zum Server wurde unterbrochen, daher ist das Gespräch beendet. Melden Sie sich bei Bedarf bitte erneut an.
js-error-invalid-message = Der Server hat eine Nachricht dieser Seite nicht verstanden. Bitte laden Sie die Seite neu.
js-error-message-too-large = Eine Nachricht dieser Seite war für den Server zu groß. Bitte laden Sie die Seite neu.
js-error-invalid-name = Der Server hat diesen Namen nicht angenommen. Bitte verwenden Sie nur Buchstaben, Leerzeichen und die Zeichen - ' . ,
js-error-not-allowed = Diese Aktion ist nicht erlaubt.
js-error-not-checked-in = Sie sind nicht angemeldet. Bitte melden Sie sich zuerst an.
js-error-already-checked-in = Sie sind bereits angemeldet.
js-error-resume-failed = Ihr Platz im Wartezimmer konnte nicht freigehalten werden. Bitte melden Sie sich erneut an.
js-error-queue-full = Das Wartezimmer ist gerade voll. Bitte versuchen Sie es in einigen Minuten erneut.
js-error-rate-limited = Zu viele Versuche. Bitte warten Sie eine Minute und versuchen Sie es dann erneut.
js-error-unknown-patient = Diese Person ist nicht mehr im Wartezimmer.
js-error-patient-not-connected = Die Verbindung dieser Person ist gerade unterbrochen. Bitte warten Sie, bis sie wieder da ist.
js-error-call-in-progress = Es läuft bereits ein Gespräch. Beenden Sie es, bevor Sie die nächste Person hereinbitten.
js-error-no-call = Es läuft kein Gespräch.
js-error-invalid-note = Die Nachricht muss 1 bis 200 Zeichen lang sein und darf keine Steuerzeichen enthalten.
js-error-unknown = Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.
js-queue-connecting = Verbindung zu Ihrem Wartezimmer wird aufgebaut…
js-queue-reconnecting = Die Verbindung zum Wartezimmer wurde unterbrochen. Sie wird wiederhergestellt…
js-queue-unverified = Name nicht überprüft
js-queue-waiting-for = Wartet seit
js-queue-waiting-under-minute = weniger als einer Minute
js-queue-connection-lost = Verbindung unterbrochen, die Seite wird möglicherweise gerade neu geladen.
js-queue-admit = Hereinbitten
js-queue-admitting = Wird hereingebeten…
js-queue-remove = Entfernen
js-queue-remove-confirm = Wirklich entfernen?
js-queue-note = Nachricht senden
js-queue-note-label = Kurze Nachricht an diese Person, zum Beispiel „noch etwa 5 Minuten“
js-queue-note-send = Senden
js-queue-note-sent = Die Nachricht wurde gesendet.
js-provider-ended-hung-up = Das Gespräch ist beendet.
js-provider-ended-removed = Die Person wurde entfernt und das Gespräch ist beendet.
js-provider-ended-patient-left = Die Verbindung der Person wurde unterbrochen, daher ist das Gespräch beendet.
js-provider-ended-connection-lost = Ihre Verbindung wurde unterbrochen, daher ist das Gespräch beendet.
js-link-copied = Der Link wurde kopiert.
js-link-copy-manually = Der Link ist markiert. Drücken Sie Strg+C (oder Cmd+C), um ihn zu kopieren.
js-notification-title = Neue Anmeldung
js-notification-body = Eine Person hat sich in Ihrem Wartezimmer angemeldet.
js-notifications-on = Desktop-Benachrichtigungen sind eingeschaltet.
js-notifications-blocked = Desktop-Benachrichtigungen sind in Ihren Browser-Einstellungen blockiert.
js-notifications-unsupported = Dieser Browser kann keine Desktop-Benachrichtigungen anzeigen.

## account links and pages
nav-account = Konto
check-inbox-title = Bitte prüfen Sie Ihr Postfach
check-inbox-text = Wir haben eine E-Mail an die angegebene Adresse gesendet. Öffnen Sie den Link darin, um Ihre Adresse zu bestätigen; er gilt 24 Stunden.
check-inbox-spam = Wenn in einigen Minuten keine E-Mail ankommt, sehen Sie bitte im Spam-Ordner nach.
link-invalid-title = Link ungültig oder abgelaufen
link-invalid-text = Dieser Link wurde schon verwendet oder ist abgelaufen. Melden Sie sich an, um einen neuen Bestätigungslink zu erhalten, oder fordern Sie erneut ein neues Passwort an.
verified-title = E-Mail-Adresse bestätigt
verified-text = Vielen Dank. Bitte melden Sie sich jetzt an; danach richten Sie Ihren zweiten Faktor ein.
forgot-title = Passwort vergessen
forgot-heading = Passwort zurücksetzen
forgot-text = Geben Sie die E-Mail-Adresse Ihres Kontos ein. Wir senden Ihnen einen Link, mit dem Sie ein neues Passwort festlegen; er gilt 30 Minuten.
forgot-submit = Link senden
forgot-sent = Falls zu dieser Adresse ein Konto besteht, haben wir einen Link zum Festlegen eines neuen Passworts gesendet.
reset-title = Neues Passwort
reset-heading = Neues Passwort festlegen
reset-text = Nach der Änderung enden alle Sitzungen. Sie melden sich mit dem neuen Passwort und Ihrem zweiten Faktor an.
reset-submit = Passwort speichern
reset-done-title = Passwort geändert
reset-done-text = Ihr Passwort wurde geändert und alle Sitzungen wurden beendet. Bitte melden Sie sich mit Ihrem zweiten Faktor erneut an.
field-new-password = Neues Passwort
unlocked-title = Konto entsperrt
unlocked-text = Sie können sich wieder anmelden. Wenn die Fehlversuche nicht von Ihnen stammen, ändern Sie bitte Ihr Passwort.
login-forgot = Passwort vergessen?
login-wait =
    Zu viele Fehlversuche. Bitte warten Sie { $seconds ->
        [one] eine Sekunde
       *[other] { $seconds } Sekunden
    } und versuchen Sie es dann erneut.
login-wait-minutes =
    Zu viele Fehlversuche. Bitte warten Sie { $minutes ->
        [one] eine Minute
       *[other] { $minutes } Minuten
    } und versuchen Sie es dann erneut.
password-common = Dieses Passwort steht auf einer Liste häufiger oder geleakter Passwörter. Bitte wählen Sie eine längere, eigene Passphrase, zum Beispiel aus mehreren Wörtern, die nichts miteinander zu tun haben.
password-guessable = Dieses Passwort ist zu leicht zu erraten. Bitte verlängern Sie es, zum Beispiel mit mehreren Wörtern, die nichts miteinander zu tun haben.

password-ok = Gut: Dieses Passwort erfüllt die Regeln.
password-meter-label = Passwortstärke

## second factor
code-title = Zweiter Faktor
code-heading = Bestätigen Sie, dass Sie es sind
code-text = Geben Sie den sechsstelligen Code aus Ihrer Authentifizierungs-App oder einen Ihrer Wiederherstellungscodes ein.
code-hint = Der Code ändert sich alle 30 Sekunden.
code-submit = Bestätigen
code-invalid = Der Code ist nicht gültig. Bitte geben Sie den aktuellen Code aus Ihrer App oder einen unbenutzten Wiederherstellungscode ein.
field-code = Code
setup-title = Zweiten Faktor einrichten
setup-heading = Richten Sie Ihren zweiten Faktor ein
setup-text = Jede Anmeldung braucht zusätzlich zum Passwort einen Code aus einer Authentifizierungs-App. Das schützt das Wartezimmer Ihrer Praxis auch dann, wenn Ihr Passwort bekannt wird.
setup-step-app = Öffnen Sie eine Authentifizierungs-App auf Ihrem Telefon, etwa die des Herstellers oder jede App, die TOTP unterstützt.
setup-step-scan = Scannen Sie diesen QR-Code mit der App.
setup-qr-alt = QR-Code für Ihre Authentifizierungs-App
setup-manual = Falls Scannen nicht geht, geben Sie diesen Schlüssel von Hand ein:
setup-step-code = Geben Sie den sechsstelligen Code ein, den die App anzeigt.
setup-submit = Bestätigen und weiter
setup-code-invalid = Der Code passt nicht. Bitte prüfen Sie die Uhrzeit Ihres Telefons und geben Sie den aktuellen Code ein.
recovery-title = Wiederherstellungscodes
recovery-heading = Ihre Wiederherstellungscodes
recovery-text = Wenn Sie Ihr Telefon verlieren, können Sie sich mit jedem dieser Codes einmal anstelle des App-Codes anmelden. Drucken Sie sie aus oder bewahren Sie sie an einem sicheren Ort auf.
recovery-once = Diese Codes werden nur jetzt angezeigt.
recovery-continue = Ich habe die Codes gesichert, weiter

## account page
account-title = Konto
account-heading = Ihr Konto
account-sessions = Aktive Sitzungen
account-device = Gerät
account-started = Begonnen
account-last-seen = Zuletzt aktiv
account-actions = Aktionen
account-this-session = diese Sitzung
account-end-session = Sitzung beenden
account-end-others = Alle anderen Sitzungen beenden
account-second-factor = Zweiter Faktor
account-recovery-left = Authentifizierungs-App eingerichtet. Unbenutzte Wiederherstellungscodes: { $count }.
account-security-log = Sicherheitsprotokoll
account-security-log-hint = Anmeldungen und Änderungen an Ihrem Konto in den letzten { $days } Tagen.
account-when = Zeitpunkt
account-event = Ereignis
event-signed-up = Konto angelegt
event-email-verified = E-Mail-Adresse bestätigt
event-login = Anmeldung
event-login-failed = Fehlgeschlagene Anmeldung
event-second-factor-failed = Falscher Code des zweiten Faktors
event-totp-enrolled = Authentifizierungs-App eingerichtet
event-recovery-code-used = Wiederherstellungscode verwendet
event-password-changed = Passwort geändert
event-password-reset = Passwort per E-Mail-Link zurückgesetzt
event-sessions-ended = Sitzungen beendet
event-new-device = Anmeldung von einem neuen Gerät
event-account-locked = Konto nach vielen Fehlversuchen gesperrt
event-account-unlocked = Konto entsperrt

## emails
mail-verify-subject = Bitte bestätigen Sie Ihre E-Mail-Adresse für visite
mail-verify-body =
    Guten Tag,

    bitte bestätigen Sie die E-Mail-Adresse Ihres visite-Kontos, indem Sie diesen Link öffnen:

    { $link }

    Der Link funktioniert einmal und 24 Stunden lang. Wenn Sie kein Konto angelegt haben, können Sie diese E-Mail ignorieren.
mail-signup-exists-subject = Ihr visite-Konto
mail-signup-exists-body =
    Guten Tag,

    jemand hat versucht, mit Ihrer E-Mail-Adresse ein neues visite-Konto anzulegen. Sie haben bereits ein Konto. Wenn Sie das waren, melden Sie sich hier an:

    { $link }

    Wenn Sie es nicht waren, können Sie diese E-Mail ignorieren; es wurde nichts geändert.
mail-reset-subject = Ihr visite-Passwort zurücksetzen
mail-reset-body =
    Guten Tag,

    um ein neues Passwort für Ihr visite-Konto festzulegen, öffnen Sie diesen Link:

    { $link }

    Der Link funktioniert einmal und 30 Minuten lang. Bei der nächsten Anmeldung brauchen Sie weiterhin Ihren zweiten Faktor. Wenn Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren.
mail-password-changed-subject = Ihr visite-Passwort wurde geändert
mail-password-changed-body =
    Guten Tag,

    das Passwort Ihres visite-Kontos wurde soeben geändert und alle Sitzungen wurden beendet.

    Wenn Sie das nicht waren, setzen Sie Ihr Passwort sofort zurück und wenden Sie sich an Ihre Administration.
mail-totp-enrolled-subject = Zweiter Faktor für visite eingerichtet
mail-totp-enrolled-body =
    Guten Tag,

    für Ihr visite-Konto wurde soeben eine Authentifizierungs-App als zweiter Faktor eingerichtet.

    Wenn Sie das nicht waren, setzen Sie Ihr Passwort sofort zurück und wenden Sie sich an Ihre Administration.
mail-new-device-subject = Neue Anmeldung bei Ihrem visite-Konto
mail-new-device-body =
    Guten Tag,

    mit Ihrem visite-Konto hat sich soeben ein Gerät angemeldet, das sich noch nie angemeldet hatte.

    Zeitpunkt: { $time }
    Gerät: { $device }

    Wenn Sie das waren, ist nichts zu tun. Wenn nicht, öffnen Sie diesen Link, um sofort alle Sitzungen zu beenden und ein neues Passwort festzulegen:

    { $link }
mail-locked-subject = Ihr visite-Konto wurde gesperrt
mail-locked-body =
    Guten Tag,

    nach vielen fehlgeschlagenen Anmeldeversuchen wurde Ihr visite-Konto zu seinem Schutz gesperrt. Zum Entsperren öffnen Sie diesen Link:

    { $link }

    Wenn Sie sich nicht anmelden wollten, versucht möglicherweise jemand, Ihr Passwort zu erraten: Bitte ändern Sie es nach dem Entsperren.

## account changes
account-back = Zurück zu Ihrem Konto
account-change-password = Passwort ändern
account-change-email = E-Mail-Adresse ändern
account-replace-factor = Neue Authentifizierungs-App einrichten
account-renew-recovery = Neue Wiederherstellungscodes
field-current-password = Aktuelles Passwort
field-new-email = Neue E-Mail-Adresse
confirm-title = Bestätigen Sie Ihr Passwort
confirm-text = Für diese Änderung geben Sie bitte Ihr Passwort erneut ein.
confirm-submit = Bestätigen
confirm-failed = Das Passwort ist nicht richtig.
change-password-title = Passwort ändern
change-password-text = Nach der Änderung enden alle Ihre anderen Sitzungen.
change-password-submit = Passwort ändern
change-password-done = Passwort geändert
change-password-done-text = Ihr Passwort wurde geändert, und alle Ihre anderen Sitzungen wurden beendet.
change-email-title = E-Mail-Adresse ändern
change-email-text = Wir senden einen Link an die neue Adresse. Die Änderung gilt, sobald Sie ihn öffnen.
change-email-submit = Link senden
change-email-sent = Wir haben einen Link an die neue Adresse gesendet. Öffnen Sie ihn, um die Änderung abzuschließen.
change-email-done = E-Mail-Adresse geändert
change-email-done-text = Ihr Konto verwendet jetzt die neue E-Mail-Adresse.
renew-recovery-title = Neue Wiederherstellungscodes
renew-recovery-text = Ihre bisherigen Wiederherstellungscodes gelten nicht mehr, sobald Sie neue erzeugen.
renew-recovery-submit = Neue Codes erzeugen
event-email-changed = E-Mail-Adresse geändert
event-recovery-codes-renewed = Neue Wiederherstellungscodes erzeugt
mail-change-email-subject = Bestätigen Sie Ihre neue E-Mail-Adresse für visite
mail-change-email-body =
    Guten Tag,

    um diese Adresse künftig für Ihr visite-Konto zu verwenden, öffnen Sie diesen Link:

    { $link }

    Der Link funktioniert einmal und 24 Stunden lang. Wenn Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren.
mail-change-email-notice-subject = Ihre E-Mail-Adresse bei visite wird geändert
mail-change-email-notice-body =
    Guten Tag,

    in Ihrem angemeldeten visite-Konto wurde beantragt, es auf eine andere E-Mail-Adresse umzustellen. Die Änderung gilt erst, wenn der Link an die neue Adresse geöffnet wird.

    Wenn Sie das nicht waren, ändern Sie sofort Ihr Passwort und beenden Sie auf Ihrer Kontoseite alle Sitzungen.
mail-email-changed-subject = Ihre E-Mail-Adresse bei visite wurde geändert
mail-email-changed-body =
    Guten Tag,

    Ihr visite-Konto verwendet jetzt eine neue E-Mail-Adresse. Dies ist die letzte Nachricht an diese Adresse.

    Wenn Sie das nicht waren, wenden Sie sich sofort an Ihre Administration.
mail-recovery-renewed-subject = Neue Wiederherstellungscodes für visite
mail-recovery-renewed-body =
    Guten Tag,

    für Ihr visite-Konto wurden soeben neue Wiederherstellungscodes erzeugt; die bisherigen gelten nicht mehr.

    Wenn Sie das nicht waren, setzen Sie Ihr Passwort sofort zurück und wenden Sie sich an Ihre Administration.

## passkeys
passkey-heading = Passkeys und Sicherheitsschlüssel
passkey-account-hint = Ein Passkey auf diesem Gerät, Ihrem Telefon oder einem Sicherheitsschlüssel kann den Code aus der Authentifizierungs-App ersetzen und erlaubt die Anmeldung ohne Passwort.
passkey-none = Noch kein Passkey eingerichtet.
passkey-name = Name
passkey-added = Hinzugefügt
passkey-last-used = Zuletzt verwendet
passkey-never-used = nie
passkey-remove = Entfernen
passkey-name-label = Name des neuen Passkeys (optional)
passkey-name-hint = Zum Beispiel „Laptop im Büro“ oder „Sicherheitsschlüssel“. Ohne Namen werden Browser und System verwendet.
passkey-add = Passkey einrichten
passkey-default-name = Passkey
passkey-recovery-left = Unbenutzte Wiederherstellungscodes: { $count }.
passkey-remove-refused-title = Passkey nicht entfernt
passkey-remove-refused-text = Dieser Passkey ist Ihr letzter zweiter Faktor und bleibt daher bestehen. Richten Sie zuerst einen weiteren Passkey oder eine Authentifizierungs-App ein und entfernen Sie dann diesen.
passkey-login-or = Oder ohne Passwort:
passkey-sign-in = Mit einem Passkey anmelden
passkey-code-or = Oder bestätigen Sie mit einem Passkey dieses Kontos:
passkey-use = Passkey verwenden
passkey-code-text = Bestätigen Sie mit Ihrem Passkey oder geben Sie einen Ihrer Wiederherstellungscodes ein. Codes aus einer Authentifizierungs-App werden auf diesem Server nicht angenommen.
passkey-code-hint = Jeder Wiederherstellungscode gilt einmal.
passkey-setup-instead = Oder verwenden Sie stattdessen einen Passkey
passkey-setup-text = Ein Passkey wird auf diesem Gerät, Ihrem Telefon oder einem Sicherheitsschlüssel gespeichert und mit Fingerabdruck, Gesicht oder PIN entsperrt. Sie erhalten dazu Wiederherstellungscodes.
passkey-setup-only-text = Jede Anmeldung auf diesem Server braucht zusätzlich zum Passwort einen Passkey, oder nur einen Passkey. Ein Passkey wird mit Fingerabdruck, Gesicht oder PIN entsperrt und schützt das Wartezimmer Ihrer Praxis auch dann, wenn Ihr Passwort bekannt wird.
event-passkey-added = Passkey eingerichtet
event-passkey-removed = Passkey entfernt
js-passkey-working = Warten auf Ihren Passkey…
js-passkey-unsupported = Dieser Browser kann keine Passkeys verwenden. Bitte nutzen Sie eine aktuelle Version von Firefox, Chrome, Edge oder Safari.
js-passkey-cancelled = Der Passkey wurde nicht verwendet: Die Anfrage wurde abgebrochen oder ist abgelaufen. Bitte versuchen Sie es erneut.
js-passkey-failed = Der Passkey konnte nicht bestätigt werden. Bitte versuchen Sie es erneut.
js-passkey-login-failed = Die Anmeldung mit diesem Passkey ist fehlgeschlagen. Bitte melden Sie sich mit E-Mail-Adresse und Passwort an.
js-passkey-exists = Dieser Passkey ist bereits eingerichtet.
js-passkey-expired = Die Anfrage ist abgelaufen. Bitte versuchen Sie es erneut.
js-passkey-wait = Zu viele fehlgeschlagene Versuche. Bitte warten Sie einige Minuten und versuchen Sie es dann erneut.
js-passkey-network = Der Server ist nicht erreichbar. Bitte prüfen Sie Ihre Internetverbindung und versuchen Sie es erneut.
mail-passkey-added-subject = Passkey für visite eingerichtet
mail-passkey-added-body =
    Guten Tag,

    für Ihr visite-Konto wurde soeben ein Passkey mit dem Namen „{ $name }“ eingerichtet.

    Wenn Sie das nicht waren, setzen Sie Ihr Passwort sofort zurück, entfernen Sie den Passkey auf Ihrer Kontoseite und wenden Sie sich an Ihre Administration.
mail-passkey-removed-subject = Passkey von visite entfernt
mail-passkey-removed-body =
    Guten Tag,

    von Ihrem visite-Konto wurde soeben ein Passkey entfernt.

    Wenn Sie das nicht waren, setzen Sie Ihr Passwort sofort zurück und wenden Sie sich an Ihre Administration.

## signup attempts
event-signup-attempt = Jemand hat versucht, sich mit dieser E-Mail-Adresse zu registrieren
mail-signup-pending-subject = Ihre Registrierung bei visite
mail-signup-pending-body =
    Guten Tag,

    jemand hat versucht, sich mit Ihrer E-Mail-Adresse zu registrieren, für die bereits eine Registrierung auf Bestätigung wartet. Wenn diese Registrierung von Ihnen stammt, öffnen Sie den Link aus der früheren E-Mail. Registrierungen, die nicht innerhalb von 24 Stunden bestätigt werden, werden gelöscht; danach können Sie sich erneut registrieren.

    Wenn Sie sich nicht registriert haben, können Sie diese E-Mail ignorieren.

## device check and call quality
device-check-heading = Geräte prüfen
device-mic-label = Mikrofonpegel
device-speaker-test = Testton abspielen
device-connection-check = Verbindung prüfen
device-connection-hint = Prüft, ob Ihr Browser die Server erreicht, die beim Verbinden von Gesprächen helfen.
js-device-mic-none = Es ist kein Mikrofon eingeschaltet.
js-device-mic-speak = Sagen Sie etwas: Der Balken sollte sich bewegen.
js-device-mic-heard = Ihr Mikrofon nimmt Ton auf.
js-device-speaker-playing = Ein kurzer Ton wird abgespielt. Wenn Sie nichts hören, prüfen Sie die Lautstärke und welche Lautsprecher oder Kopfhörer ausgewählt sind.
js-device-speaker-failed = Dieser Browser kann den Testton nicht abspielen.
js-device-connection-checking = Die Verbindung wird geprüft…
js-device-connection-relay = Gut: Ein Relay-Server ist erreichbar, Gespräche funktionieren also auch hinter einer strengen Firewall.
js-device-connection-internet = Gut: Ihr Browser erreicht das Internet, Gespräche sollten also funktionieren.
js-device-connection-local = Nur Ihr lokales Netzwerk wurde gefunden. Gespräche mit Personen außerhalb dieses Netzwerks können fehlschlagen. Versuchen Sie ein anderes Netzwerk oder bitten Sie die Betreuung Ihres Netzwerks, Videogespräche zu erlauben.
js-device-connection-none = Es wurde keine Netzwerkverbindung gefunden. Prüfen Sie Ihre Internetverbindung und Firewall und versuchen Sie es erneut.
js-device-connection-failed = Dieser Browser konnte die Verbindung nicht prüfen.
quality-details = Verbindungsdetails
quality-rtt = Umlaufzeit
quality-loss = Paketverlust
quality-bitrate = Eingehende Datenrate
quality-audio-only = Meine Kamera ausschalten
js-quality-measuring = Die Verbindungsqualität wird gemessen…
js-quality-good = Verbindungsqualität: gut
js-quality-fair = Verbindungsqualität: mittel
js-quality-poor = Verbindungsqualität: schlecht
js-quality-poor-hint = Die Verbindung ist schlecht, daher wird Ihr Video in geringerer Qualität gesendet. Wenn Sie Ihre Kamera ausschalten, bleibt mehr Platz für den Ton. Sie entscheiden beide, ob Sie das Gespräch fortsetzen.
js-quality-poor-hint-camera-off = Die Verbindung ist schlecht. Ton und Bild können stocken. Sie entscheiden beide, ob Sie das Gespräch fortsetzen.

## in-call verification code, security line, chat and screen sharing
call-share-screen = Bildschirm teilen
call-remote-screen = Die andere Person teilt ihren Bildschirm
call-local-screen = Sie teilen Ihren Bildschirm. Die andere Person sieht ihn statt Ihres Kamerabilds.
call-security-heading = Sicherheit dieses Gesprächs
call-code-label = Prüfcode:
call-code-hint = Lesen Sie diesen Code laut vor und fragen Sie die andere Person, ob sie denselben Code sieht. Wenn die Codes verschieden sind, hört möglicherweise jemand mit: Beenden Sie das Gespräch und melden Sie sich auf anderem Weg, zum Beispiel telefonisch.
call-chat-heading = Chat
call-chat-note = Nachrichten gehen direkt an den Browser der anderen Person. visite speichert sie nicht, und sie verschwinden, wenn das Gespräch endet.
call-chat-input-label = Nachricht
call-chat-send = Senden
js-call-code-pending = Wird berechnet…
js-call-security-pending = Die Verschlüsselung der Verbindung wird geprüft…
js-call-security-encrypted = Das Gespräch ist zwischen Ihrem Browser und dem Browser der anderen Person verschlüsselt (DTLS-SRTP).
js-call-security-not-encrypted = Die verschlüsselte Verbindung besteht nicht. Ohne sie werden weder Ton noch Bild gesendet.
js-call-security-direct = Ton und Bild gehen direkt zwischen den beiden Geräten.
js-call-security-relayed = Ton und Bild laufen über einen Vermittlungsserver (TURN). Er leitet sie weiter, kann sie aber nicht entschlüsseln.
js-call-share-screen-failed = Ihr Bildschirm konnte nicht geteilt werden. Bitte versuchen Sie es erneut.
js-call-chat-you = Sie
js-call-chat-not-open = Der Chat ist noch nicht verbunden. Bitte versuchen Sie es gleich noch einmal.

## operator commands (visite admin): disabled accounts and second-factor resets
error-room-unavailable = Dieser Raum für Videosprechstunden ist nicht verfügbar. Bitte wenden Sie sich auf anderem Weg an die Praxis, zum Beispiel telefonisch.
event-created-by-operator = Konto vom Betreiber angelegt
event-account-disabled = Konto vom Betreiber gesperrt
event-account-enabled = Konto vom Betreiber entsperrt
event-second-factor-reset = Zweite Faktoren vom Betreiber entfernt
js-ended-room-closed = Dieser Raum für Videosprechstunden wurde geschlossen. Bitte wenden Sie sich auf anderem Weg an die Praxis, zum Beispiel telefonisch.
js-queue-room-closed = Ihr Raum wurde geschlossen, weil der Betreiber Ihr Konto gesperrt oder Ihren zweiten Faktor entfernt hat. Bitte melden Sie sich erneut an oder wenden Sie sich an den Betreiber dieser visite-Installation.
mail-admin-created-subject = Ihr visite-Konto
mail-admin-created-body =
    Guten Tag,

    der Betreiber von visite hat ein Konto für Sie angelegt. Ihr Raum-Link für Patientinnen und Patienten lautet:

    { $room }

    Um Ihr Passwort festzulegen, öffnen Sie diesen Link:

    { $link }

    Der Link funktioniert einmal und 7 Tage lang. Nach dem Passwort bittet visite Sie, einen zweiten Faktor einzurichten, zum Beispiel eine Authenticator-App. Danach ist Ihr Raum geöffnet.
mail-factor-reset-subject = Der zweite Faktor Ihres visite-Kontos wurde entfernt
mail-factor-reset-body =
    Guten Tag,

    nach Prüfung Ihrer Identität hat der Betreiber von visite die Authenticator-App, die Passkeys und die Wiederherstellungscodes Ihres Kontos entfernt und alle Ihre Sitzungen beendet. Bei der nächsten Anmeldung bittet visite Sie, einen neuen zweiten Faktor einzurichten:

    { $link }

    Bis dahin können Patientinnen und Patienten Ihren Raum nicht erreichen. Wenn Sie das nicht veranlasst haben, wenden Sie sich sofort an den Betreiber von visite.

## retention and data inventory
privacy-7 = Gesprächseinträge und das Sicherheitsprotokoll der Konten von Behandelnden werden spätestens nach 90 Tagen gelöscht, auch ihre Kopien in Sicherungen.
