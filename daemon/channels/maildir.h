/*
 * channels/maildir: the "maildir" channel, for when email is disabled (a
 * demo, a test, an office without a mail server).  Each message, as the
 * outbox built it (channel_msg.raw), is written with LF line ends and
 * delivered the maildir way: written and fsynced in tmp/, then renamed
 * into new/, so a reader never sees half a message.  It builds no mail,
 * logs nothing and touches neither the outbox nor the database.
 */
#ifndef DUTYD_CHANNELS_MAILDIR_H
#define DUTYD_CHANNELS_MAILDIR_H

#include "channels/channel.h"
#include "err.h"

/*
 * A new maildir channel delivering into `dir` (copied), creating `dir`
 * and its tmp/, new/ and cur/ (mode 0700) if missing. File names are
 * "<date>.P<pid>Q<n>.<key>" with the outbox key made filename-safe, so a
 * re-delivered key is easy to spot; peer_id receives the file name when
 * it fits. Freed with ch->free(ch->ctx), which frees `ch` as well.
 * A message without raw bytes is refused (CHANNEL_PERMANENT, DERR_BUG).
 * Returns NULL with DERR_CONFIG (no directory) or DERR_SYS (mkdir).
 */
struct channel *maildir_channel_new(const char *dir, struct derr *);

#endif
