/*
 * channels/smtp: the "email" channel.  Submits each message, as the
 * outbox built it (channel_msg.raw), with net over one connection kept
 * open for the batch (until flush); it builds no mail.  It maps net's
 * outcome to the channel's and never retries by itself, logs nothing
 * and touches neither the outbox nor the database.
 */
#ifndef DUTYD_CHANNELS_SMTP_H
#define DUTYD_CHANNELS_SMTP_H

#include "channels/channel.h"
#include "config.h"
#include "err.h"
#include "net.h"

/*
 * A new email channel for `cfg` (its strings are copied). `password` is
 * the content of cfg->password_file, or NULL; it is copied and zeroed at
 * free. `ops` (borrowed, usually &net_curl_ops) does the network I/O.
 * The connection opens at the first send and closes at flush or free.
 * The result is freed with ch->free(ch->ctx), which frees `ch` as well.
 * A message without raw bytes is refused (CHANNEL_PERMANENT, DERR_BUG).
 * Returns NULL with DERR_CONFIG if cfg->from is not a valid address.
 */
struct channel *smtp_channel_new(const struct cfg_smtp *cfg,
	    const char *password, const struct net_ops *ops, struct derr *);

#endif
