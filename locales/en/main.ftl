## layout
skip-to-content = Skip to content
nav-label = Main navigation
nav-dashboard = Dashboard
nav-logout = Log out
lang-switch-label = Language
footer-terms = Terms of use
footer-privacy = Privacy notice

## home page
home-title = Video consultations for your practice
home-heading = Video consultations, simple and private
home-lead = Patients open your room link in their browser, enter their name and wait until you start the call. No app, no account for patients.
home-point-1 = The call runs directly between the two browsers, end-to-end encrypted.
home-point-2 = The server stores nothing about patients: names live only in memory while a patient is connected.
home-point-3 = Nobody joins a call without you admitting them.
home-signup = Create a provider account
home-login = Log in
home-dashboard = Go to your dashboard

## signup and login
signup-title = Create account
signup-heading = Create your provider account
signup-lead = You will get a permanent room link for your patients.
field-name = Your name
field-name-hint = Shown to patients, for example "Dr. Erika Muster".
field-practice-name = Practice name
field-email = Email address
field-slug = Room link
field-slug-hint = Lower-case letters, digits and hyphens, for example "praxis-muster".
field-password = Password
field-password-hint = At least 12 characters. Long passphrases are welcome.
signup-submit = Create account
signup-have-account = Already have an account?
form-has-errors = Please correct the marked fields.
name-missing = Please enter your name.
name-invalid = Please enter a name of at most 100 characters without control characters.
practice-name-missing = Please enter the name of your practice.
practice-name-invalid = Please enter a practice name of at most 100 characters without control characters.
email-invalid = Please enter a valid email address, such as name@praxis.example.
email-taken = This email address cannot be used for a new account. If it is yours, please log in.
slug-too-short = The room link needs at least 3 characters.
slug-too-long = The room link can have at most 40 characters.
slug-invalid = The room link may contain only lower-case letters a–z, digits and single hyphens, and cannot start or end with a hyphen.
slug-reserved = This room link is reserved by visite. Please choose another one.
slug-taken = This room link is already taken. Please choose another one.
password-too-short = The password needs at least 12 characters.
password-too-long = The password can have at most 1024 characters.
password-personal = The password must not be built from your name, email address, practice name or room link, nor from the words visite, Praxis or Video.
login-title = Log in
login-heading = Log in to your practice
login-submit = Log in
login-failed = Email address or password is wrong.
login-no-account = No account yet?

## page titles
room-title = Video consultation with { $practice }
dashboard-title = Your waiting room

## room settings
waiting-message-too-long = The waiting-room message can have at most 500 characters.
waiting-message-invalid = The waiting-room message contains characters that are not allowed.

## errors
error-title = Error
error-not-signed-in = Please log in first.
error-forbidden = You do not have access to this page.
error-not-found = This page does not exist. Please check the link.
error-cross-origin = This form was sent from another website and has been rejected. Please open the page directly and try again.
error-rate-limited = Too many attempts. Please wait a minute and try again.
error-bad-request = The request could not be read. Please reload the page and try again.
error-too-large = The request is too large. Please shorten your input and try again.
error-internal = Something went wrong on our side. Please try again in a moment.
error-back-home = Back to the start page

## terms of use
terms-title = Terms of use
terms-1 = visite connects patients with their provider (doctor or therapist) for a video consultation. The practice that sent you the link operates or commissions this service and is responsible for the consultation.
terms-2 = You need no account and no app. You enter a name under which the practice will recognise you. This name is self-declared: the practice checks your identity in the consultation, as it would at the reception desk.
terms-3 = The video call runs directly between your browser and the practice's browser and is end-to-end encrypted (DTLS-SRTP). Where a network does not allow a direct connection, an encrypted relay forwards the data without being able to read it. Nothing is recorded.
terms-4 = Please join from a quiet, private place where no one can listen in unintentionally. Do not record the consultation, and do not pass on the room link to others.
terms-5 = The waiting room shows you only your own status. The practice starts the call when it is ready; you can leave the waiting room at any time.
terms-6 = A video consultation does not replace an emergency service. In an emergency, call 112.
terms-7 = The service contains no advertising and no tracking, and it loads nothing from other websites.

## privacy notice
privacy-title = Privacy notice
privacy-1 = Patients: your name is held only in the server's memory while your browser is connected to the waiting room or the call, so that the practice can see who is waiting. It is never written to a database, a file or a log, and it is gone when you leave.
privacy-2 = Your IP address is used to establish the connection and to limit abuse. It is not stored.
privacy-3 = Audio and video go directly between the two browsers, end-to-end encrypted. The server cannot see or hear the consultation and records nothing.
privacy-4 = Of each call, the server keeps only which provider held it, when it started and how long it lasted.
privacy-5 = Providers: the server stores your name, practice name, email address, room link, waiting-room message, a salted hash of your password and your login sessions.
privacy-6 = This site uses four cookies only: your language choice, and for providers a login session, a random value that recognises a browser that logged in before (kept 400 days), and a link from a mail for at most 10 minutes. There are no analytics, no advertising and no requests to other websites.

## room page
room-kicker = Video consultation
room-join-heading = Check in
room-join-lead = Enter your name and check in. You then wait in the waiting room until the practice starts the call.
room-name-label = Your name
room-name-hint = The practice sees this name in its waiting room. Use letters, spaces and the marks - ' . , only.
room-consent-label = I agree to the terms of use for this video consultation.
room-consent-terms-link = Read the terms of use (opens in a new tab)
room-check-in = Check in
room-relay-only-label = Hide my IP address from the practice
room-relay-only-hint = Sound and video then pass through the relay server (TURN), still encrypted end to end, so the practice's browser never learns your network address. The connection may be a little slower.
room-waiting-heading = You are in the waiting room
room-waiting-status = The provider will start the call shortly.
room-waiting-hint = Please keep this page open. You can reload it within two minutes without losing your place.
room-provider-note = Message from the practice:
room-leave = Leave the waiting room
room-ended-heading = Visit ended
room-rejoin = Check in again

## dashboard
dashboard-heading = Your waiting room
dashboard-link-heading = Your room link
dashboard-link-hint = Send this link to your patients. It stays the same for every consultation.
dashboard-link-label = Room link
dashboard-copy = Copy link
dashboard-queue-heading = Waiting patients
dashboard-unverified-notice = Patients enter their names themselves. Names are not verified: please check each patient's identity at the start of the call.
dashboard-queue-empty = Nobody is waiting.
dashboard-call-elsewhere = A call is running in another window or tab. You can admit the next patient when it has ended.
dashboard-sign-in-hint = The connection to the waiting room keeps failing. Your login may have expired.
dashboard-sign-in-link = Log in again
dashboard-notifications-enable = Turn on desktop notifications
dashboard-media-hint = Your camera and microphone start when you admit a patient. You can check them beforehand.
dashboard-media-check = Check camera and microphone
dashboard-media-stop = Turn off camera and microphone
dashboard-recent-heading = Recent calls
dashboard-recent-hint = Only the start time and the duration of each call are kept, never a patient's name.
dashboard-recent-empty = No calls yet.
dashboard-recent-started = Started
dashboard-recent-duration = Duration
dashboard-settings-heading = Room settings
dashboard-settings-slug = Room link name
dashboard-settings-slug-hint = Lower-case letters, digits and single hyphens, 3 to 40 characters. If you change it, the old link stops working.
dashboard-settings-message = Message in the waiting room
dashboard-settings-message-hint = Patients read this while they wait, at most 500 characters.
dashboard-settings-save = Save settings
dashboard-settings-saved = Your room settings have been saved.

## call
call-heading = Call with
call-reconnecting = The connection to the server was interrupted and is being restored. The call goes on.
call-remote-video-label = Video of the other person
call-remote-camera-off = Camera is off
call-remote-muted = Microphone is muted
call-play = Start sound and video
call-local-video-label = Your camera
call-local-camera-off = Your camera is off
call-controls-label = Call controls
call-mute = Mute
call-camera-off = Camera off
call-hang-up = End call
media-heading = Camera and microphone
media-preview-label = Preview of your camera
media-preview-off = No camera picture
media-retry = Try again
media-audio-only = Continue with audio only
media-none = Continue without camera and microphone

## browser scripts
# Strings for the scripts take no arguments: the server renders them without any.
js-media-starting = Starting camera and microphone…
js-media-on-full = Camera and microphone are on.
js-media-on-audio = Only your microphone is on.
js-media-on-none = You take part without camera and microphone. You can still see and hear the other person.
js-media-off = Camera and microphone are off.
js-media-denied = The browser is not allowed to use your camera or microphone. Allow access in the site settings next to the address bar, then try again.
js-media-no-device = No camera or microphone was found. Please connect one and try again.
js-media-in-use = Your camera or microphone could not be started. Another program may be using it: close it and try again.
js-media-unsupported = This browser cannot use a camera or microphone on this page. Please use a current version of Firefox, Chrome, Edge or Safari.
js-media-other = Your camera or microphone could not be started. Please try again.
js-call-connecting = Connecting…
js-call-connected = Connected
js-call-disconnected = The connection is unstable. Trying to reconnect…
js-call-failed = The connection failed. Trying again…
js-call-closed = The call has ended.
js-checking-in = Checking in…
js-connect-failed = The connection to the server failed. Please check your internet connection and try again.
js-waiting-status = The provider will start the call shortly.
js-waiting-resuming = Returning to the waiting room…
js-waiting-resumed = You are back in the waiting room. Your place has been kept.
js-waiting-reconnecting = The connection was lost. Reconnecting…
js-resume-failed = Your place in the waiting room could not be kept. Please check in again.
js-name-empty = Please enter your name.
js-name-too-long = Your name can have at most 64 characters.
js-name-forbidden-character = Your name contains invisible or control characters. Please type it in again.
js-name-not-a-letter = Please use only letters, spaces and the marks - ' . , in your name.
js-consent-missing = Please agree to the terms of use to check in.
js-ended-hung-up = The call has ended. Thank you for your visit.
js-ended-removed = The practice has ended your visit.
js-ended-left = You have left the waiting room.
js-ended-provider-left = The practice's connection was lost, so the call has ended. Please check in again if you need to.
js-ended-patient-left = Your connection was lost, so the call has ended. Please check in again if you need to.
js-ended-replaced = This visit continues in another window or tab.
js-ended-connection-lost = The connection to the server was lost, so the call has ended. Please check in again if you need to.
js-error-invalid-message = The server did not understand a message from this page. Please reload the page.
js-error-message-too-large = A message from this page was too large for the server. Please reload the page.
js-error-invalid-name = The server did not accept this name. Please use only letters, spaces and the marks - ' . , in your name.
js-error-not-allowed = This action is not allowed.
js-error-not-checked-in = You are not checked in. Please check in first.
js-error-already-checked-in = You are already checked in.
js-error-resume-failed = Your place in the waiting room could not be kept. Please check in again.
js-error-queue-full = The waiting room is full at the moment. Please try again in a few minutes.
js-error-rate-limited = Too many attempts. Please wait a minute and try again.
js-error-unknown-patient = This patient is no longer in the waiting room.
js-error-patient-not-connected = This patient's connection is lost at the moment. Please wait until they are back.
js-error-call-in-progress = A call is already running. End it before admitting the next patient.
js-error-no-call = There is no running call.
js-error-invalid-note = The message must be 1 to 200 characters long and must not contain control characters.
js-error-unknown = Something went wrong. Please try again.
js-queue-connecting = Connecting to your waiting room…
js-queue-reconnecting = The connection to the waiting room was lost. Reconnecting…
js-queue-unverified = Name not verified
js-queue-waiting-for = Waiting for
js-queue-waiting-under-minute = less than a minute
js-queue-connection-lost = Connection lost, the patient may be reloading the page.
js-queue-admit = Admit
js-queue-admitting = Admitting…
js-queue-remove = Remove
js-queue-remove-confirm = Really remove?
js-queue-note = Send a message
js-queue-note-label = Short message to this person, for example "about 5 more minutes"
js-queue-note-send = Send
js-queue-note-sent = The message was sent.
js-provider-ended-hung-up = The call has ended.
js-provider-ended-removed = The patient was removed and the call has ended.
js-provider-ended-patient-left = The patient's connection was lost, so the call has ended.
js-provider-ended-connection-lost = Your connection was lost, so the call has ended.
js-link-copied = The link has been copied.
js-link-copy-manually = The link is selected. Press Ctrl+C (or Cmd+C) to copy it.
js-notification-title = New check-in
js-notification-body = A patient has checked in to your waiting room.
js-notifications-on = Desktop notifications are on.
js-notifications-blocked = Desktop notifications are blocked in your browser settings.
js-notifications-unsupported = This browser cannot show desktop notifications.

## account links and pages
nav-account = Account
check-inbox-title = Please check your inbox
check-inbox-text = We have sent an email to the address you entered. Open the link in it to confirm your address; it works for 24 hours.
check-inbox-spam = If no email arrives within a few minutes, please look in your spam folder.
link-invalid-title = Link invalid or expired
link-invalid-text = This link has already been used or has expired. Log in to get a new confirmation link, or request a new password reset.
verified-title = Email address confirmed
verified-text = Thank you. Please log in now; you will then set up your second factor.
forgot-title = Forgot password
forgot-heading = Reset your password
forgot-text = Enter the email address of your account. We will send you a link to set a new password; it works for 30 minutes.
forgot-submit = Send link
forgot-sent = If an account exists for this address, we have sent it a link to set a new password.
reset-title = New password
reset-heading = Set a new password
reset-text = After the change, all sessions end. You log in with the new password and your second factor.
reset-submit = Save password
reset-done-title = Password changed
reset-done-text = Your password has been changed and all sessions have ended. Please log in again with your second factor.
field-new-password = New password
unlocked-title = Account unlocked
unlocked-text = You can log in again. If you did not cause the failed attempts, please change your password.
login-forgot = Forgot your password?
login-wait =
    Too many failed attempts. Please wait { $seconds ->
        [one] one second
       *[other] { $seconds } seconds
    } and try again.
login-wait-minutes =
    Too many failed attempts. Please wait { $minutes ->
        [one] one minute
       *[other] { $minutes } minutes
    } and try again.
password-common = This password is on a list of common or leaked passwords. Please choose a longer passphrase of your own, for example several unrelated words.
password-guessable = This password is too easy to guess. Please make it longer, for example with several unrelated words.

password-ok = Good: this password meets the rules.
password-meter-label = Password strength

## second factor
code-title = Second factor
code-heading = Confirm it is you
code-text = Enter the six-digit code from your authenticator app, or one of your recovery codes.
code-hint = The code changes every 30 seconds.
code-submit = Confirm
code-invalid = The code is not valid. Please enter the current code from your app or an unused recovery code.
field-code = Code
setup-title = Set up second factor
setup-heading = Set up your second factor
setup-text = Every login needs a code from an authenticator app in addition to your password. This protects your practice's waiting room even if your password becomes known.
setup-step-app = Open an authenticator app on your phone, such as one from your phone's maker or any app that supports TOTP.
setup-step-scan = Scan this QR code with the app.
setup-qr-alt = QR code for your authenticator app
setup-manual = If you cannot scan it, enter this key by hand:
setup-step-code = Enter the six-digit code that the app shows.
setup-submit = Confirm and continue
setup-code-invalid = The code does not match. Please check the time on your phone and enter the current code.
recovery-title = Recovery codes
recovery-heading = Your recovery codes
recovery-text = If you lose your phone, each of these codes lets you log in once instead of the app code. Print them or keep them in a safe place.
recovery-once = These codes are shown only now.
recovery-continue = I have saved the codes, continue

## account page
account-title = Account
account-heading = Your account
account-sessions = Active sessions
account-device = Device
account-started = Started
account-last-seen = Last active
account-actions = Actions
account-this-session = this session
account-end-session = End session
account-end-others = End all other sessions
account-second-factor = Second factor
account-recovery-left = Authenticator app set up. Unused recovery codes: { $count }.
account-security-log = Security log
account-security-log-hint = Logins and changes to your account in the last { $days } days.
account-when = When
account-event = Event
event-signed-up = Account created
event-email-verified = Email address confirmed
event-login = Login
event-login-failed = Failed login
event-second-factor-failed = Wrong second-factor code
event-totp-enrolled = Authenticator app set up
event-recovery-code-used = Recovery code used
event-password-changed = Password changed
event-password-reset = Password reset by email link
event-sessions-ended = Sessions ended
event-new-device = Login from a new device
event-account-locked = Account locked after many failed attempts
event-account-unlocked = Account unlocked

## emails
mail-verify-subject = Please confirm your email address for visite
mail-verify-body =
    Hello,

    please confirm your email address for your visite account by opening this link:

    { $link }

    The link works once and for 24 hours. If you did not create an account, you can ignore this email.
mail-signup-exists-subject = Your visite account
mail-signup-exists-body =
    Hello,

    someone tried to create a new visite account with your email address. You already have an account. If this was you, log in here:

    { $link }

    If it was not you, you can ignore this email; nothing has changed.
mail-reset-subject = Reset your visite password
mail-reset-body =
    Hello,

    to set a new password for your visite account, open this link:

    { $link }

    The link works once and for 30 minutes. Your second factor is still needed at the next login. If you did not ask for this, you can ignore this email.
mail-password-changed-subject = Your visite password was changed
mail-password-changed-body =
    Hello,

    the password of your visite account was just changed and all sessions were ended.

    If this was not you, reset your password at once and contact your administrator.
mail-totp-enrolled-subject = Second factor set up for visite
mail-totp-enrolled-body =
    Hello,

    an authenticator app was just set up as the second factor of your visite account.

    If this was not you, reset your password at once and contact your administrator.
mail-new-device-subject = New login to your visite account
mail-new-device-body =
    Hello,

    your visite account was just used to log in from a device that has not logged in before.

    Time: { $time }
    Device: { $device }

    If this was you, there is nothing to do. If not, open this link to end all sessions at once and set a new password:

    { $link }
mail-locked-subject = Your visite account was locked
mail-locked-body =
    Hello,

    after many failed login attempts, your visite account was locked to protect it. To unlock it, open this link:

    { $link }

    If you did not try to log in, someone may be guessing your password: please change it after unlocking.

## account changes
account-back = Back to your account
account-change-password = Change password
account-change-email = Change email address
account-replace-factor = Set up a new authenticator app
account-renew-recovery = New recovery codes
field-current-password = Current password
field-new-email = New email address
confirm-title = Confirm your password
confirm-text = For this change, please enter your password again.
confirm-submit = Confirm
confirm-failed = The password is not correct.
change-password-title = Change password
change-password-text = All your other sessions end after the change.
change-password-submit = Change password
change-password-done = Password changed
change-password-done-text = Your password has been changed, and all your other sessions have ended.
change-email-title = Change email address
change-email-text = We send a link to the new address. The change takes effect when you open it.
change-email-submit = Send link
change-email-sent = We have sent a link to the new address. Open it to complete the change.
change-email-done = Email address changed
change-email-done-text = Your account now uses the new email address.
renew-recovery-title = New recovery codes
renew-recovery-text = Your old recovery codes stop working when you create new ones.
renew-recovery-submit = Create new codes
event-email-changed = Email address changed
event-recovery-codes-renewed = New recovery codes created
mail-change-email-subject = Confirm your new email address for visite
mail-change-email-body =
    Hello,

    to use this address for your visite account from now on, open this link:

    { $link }

    The link works once and for 24 hours. If you did not ask for this, you can ignore this email.
mail-change-email-notice-subject = Your visite email address is being changed
mail-change-email-notice-body =
    Hello,

    someone logged in to your visite account asked to move it to another email address. The change takes effect only when the link sent to the new address is opened.

    If this was not you, change your password at once and end all sessions on your account page.
mail-email-changed-subject = Your visite email address was changed
mail-email-changed-body =
    Hello,

    your visite account now uses a new email address. This is the last message to this address.

    If this was not you, contact your administrator at once.
mail-recovery-renewed-subject = New recovery codes for visite
mail-recovery-renewed-body =
    Hello,

    new recovery codes were just created for your visite account, and the old ones stopped working.

    If this was not you, reset your password at once and contact your administrator.

## passkeys
passkey-heading = Passkeys and security keys
passkey-account-hint = A passkey on this device, your phone or a security key can replace the code from the authenticator app, and lets you sign in without a password.
passkey-none = No passkey set up yet.
passkey-name = Name
passkey-added = Added
passkey-last-used = Last used
passkey-never-used = never
passkey-remove = Remove
passkey-name-label = Name of the new passkey (optional)
passkey-name-hint = For example "Office laptop" or "Security key". Without a name, the browser and system are used.
passkey-add = Set up a passkey
passkey-default-name = Passkey
passkey-recovery-left = Unused recovery codes: { $count }.
passkey-remove-refused-title = Passkey not removed
passkey-remove-refused-text = This passkey is your last second factor, so it stays. Set up another passkey or an authenticator app first, then remove this one.
passkey-login-or = Or, without a password:
passkey-sign-in = Sign in with a passkey
passkey-code-or = Or confirm with a passkey of this account:
passkey-use = Use a passkey
passkey-code-text = Confirm with your passkey, or enter one of your recovery codes. Codes from an authenticator app are not accepted on this server.
passkey-code-hint = Each recovery code works once.
passkey-setup-instead = Or use a passkey instead
passkey-setup-text = A passkey is stored on this device, your phone or a security key and is unlocked with your fingerprint, face or PIN. You then also get recovery codes.
passkey-setup-only-text = Every login on this server needs a passkey in addition to your password, or a passkey alone. A passkey is unlocked with your fingerprint, face or PIN and protects your practice's waiting room even if your password becomes known.
event-passkey-added = Passkey set up
event-passkey-removed = Passkey removed
js-passkey-working = Waiting for your passkey…
js-passkey-unsupported = This browser cannot use passkeys. Please use a current version of Firefox, Chrome, Edge or Safari.
js-passkey-cancelled = The passkey was not used: the request was cancelled or timed out. Please try again.
js-passkey-failed = The passkey could not be confirmed. Please try again.
js-passkey-login-failed = Sign-in with this passkey failed. Please log in with your email address and password.
js-passkey-exists = This passkey is already set up.
js-passkey-expired = The request has expired. Please try again.
js-passkey-wait = Too many failed attempts. Please wait a few minutes and try again.
js-passkey-network = The server could not be reached. Please check your internet connection and try again.
mail-passkey-added-subject = Passkey set up for visite
mail-passkey-added-body =
    Hello,

    a passkey named "{ $name }" was just set up for your visite account.

    If this was not you, reset your password at once, remove the passkey on your account page and contact your administrator.
mail-passkey-removed-subject = Passkey removed from visite
mail-passkey-removed-body =
    Hello,

    a passkey was just removed from your visite account.

    If this was not you, reset your password at once and contact your administrator.

## signup attempts
event-signup-attempt = Somebody tried to sign up with this email address
mail-signup-pending-subject = Your visite registration
mail-signup-pending-body =
    Hello,

    someone tried to register with your email address, for which a registration is already waiting for confirmation. If that registration is yours, open the link from the earlier email. Registrations that are not confirmed within 24 hours are deleted, and you can then register again.

    If you did not register, you can ignore this email.

## device check and call quality
device-check-heading = Check your devices
device-mic-label = Microphone level
device-speaker-test = Play a test sound
device-connection-check = Check the connection
device-connection-hint = Tests whether your browser reaches the servers that help connect calls.
js-device-mic-none = No microphone is on.
js-device-mic-speak = Say something: the bar should move.
js-device-mic-heard = Your microphone picks up sound.
js-device-speaker-playing = A short tone is playing. If you hear nothing, check the volume and which speakers or headphones are selected.
js-device-speaker-failed = This browser cannot play the test sound.
js-device-connection-checking = Checking the connection…
js-device-connection-relay = Good: a relay server is reachable, so calls also work behind a strict firewall.
js-device-connection-internet = Good: your browser reaches the Internet, so calls should work.
js-device-connection-local = Only your local network was found. Calls with people outside this network may fail. Try another network, or ask whoever runs your network to allow video calls.
js-device-connection-none = No network connection was found. Check your Internet connection and firewall, then try again.
js-device-connection-failed = This browser could not run the connection check.
quality-details = Connection details
quality-rtt = Round-trip time
quality-loss = Packet loss
quality-bitrate = Incoming data rate
quality-audio-only = Turn off my camera
js-quality-measuring = Measuring the connection quality…
js-quality-good = Connection quality: good
js-quality-fair = Connection quality: fair
js-quality-poor = Connection quality: poor
js-quality-poor-hint = The connection is poor, so your video is sent in lower quality. Turning off your camera keeps more room for the sound. You both decide whether to continue.
js-quality-poor-hint-camera-off = The connection is poor. Sound and picture may stutter. You both decide whether to continue.

## in-call verification code, security line, chat and screen sharing
call-share-screen = Share screen
call-remote-screen = The other person is sharing their screen
call-local-screen = You are sharing your screen. The other person sees it instead of your camera.
call-security-heading = Security of this call
call-code-label = Verification code:
call-code-hint = Read this code aloud and ask the other person whether they see the same code. If the codes differ, someone may be listening in: end the call and get in touch another way, for example by phone.
call-chat-heading = Chat
call-chat-note = Messages go straight to the other person's browser. visite does not store them, and they disappear when the call ends.
call-chat-input-label = Message
call-chat-send = Send
js-call-code-pending = Calculating…
js-call-security-pending = Checking the encryption of the connection…
js-call-security-encrypted = The call is encrypted between your browser and the other person's browser (DTLS-SRTP).
js-call-security-not-encrypted = The encrypted connection is not established. No sound or video is sent without it.
js-call-security-direct = Sound and video go directly between the two devices.
js-call-security-relayed = Sound and video pass through a relay server (TURN). It forwards them but cannot decrypt them.
js-call-share-screen-failed = Your screen could not be shared. Please try again.
js-call-chat-you = You
js-call-chat-not-open = The chat is not connected yet. Please try again in a moment.

## operator commands (visite admin): disabled accounts and second-factor resets
error-room-unavailable = This video consultation room is not available. Please contact the practice another way, for example by phone.
event-created-by-operator = Account created by the operator
event-account-disabled = Account disabled by the operator
event-account-enabled = Account enabled by the operator
event-second-factor-reset = Second factors removed by the operator
js-ended-room-closed = This video consultation room has been closed. Please contact the practice another way, for example by phone.
js-queue-room-closed = Your room has been closed because the operator disabled your account or removed your second factor. Please sign in again, or contact the operator of this visite installation.
mail-admin-created-subject = Your visite account
mail-admin-created-body =
    Hello,

    the operator of visite has created an account for you. Patients will reach your video consultation room at:

    { $room }

    To choose your password, open this link:

    { $link }

    The link works once and for 7 days. After the password, visite asks you to set up a second factor, such as an authenticator app. Your room opens once that is done.
mail-factor-reset-subject = The second factor of your visite account was removed
mail-factor-reset-body =
    Hello,

    after checking your identity, the operator of visite has removed the authenticator app, passkeys and recovery codes of your account and ended all your sessions. At your next login, visite asks you to set up a new second factor:

    { $link }

    Until then, patients cannot reach your room. If you did not ask for this, contact the operator of visite at once.

## retention and data inventory
privacy-7 = Call records and the security log of provider accounts are deleted after at most 90 days, including their copies in backups.
