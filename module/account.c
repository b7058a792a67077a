// SPDX-License-Identifier: GPL-2.0
/*
 * kpool accounts: quotas on the capacity of live buffers.
 *
 * An account counts the capacity of the buffers charged to it against a
 * limit.  Accounts form a chain: an open file of /dev/kpool has one
 * (max_file_bytes), whose parent is the account of the user who opened it
 * (max_user_bytes).  A charge goes up the whole chain or nowhere, and never
 * passes a limit even for a moment: each level is charged with a
 * compare-and-exchange loop, as io_uring's __io_account_mem() charges a
 * user's locked memory, so a charge that will fail cannot make a racing
 * one fail.  A buffer stays charged, and holds a reference on its account,
 * until its memory is returned, wherever its last reference was; so the
 * limits bound memory pinned by mappings and exported files of closed files
 * too.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uidgid.h>

#include "internal.h"

/*
 * The accounts of the users that have buffers or open files now, by uid.
 * The lock protects the table and makes "last reference gone" and "removed
 * from the table" one step, so a lookup never finds an account on its way
 * out.  Puts may come from any context
 * (a kernel user's last put in softirq): the lock is taken irqsave.
 */
static DEFINE_HASHTABLE(kpool_users, 6);
static DEFINE_SPINLOCK(kpool_users_lock);

/**
 * kpool_account_alloc() - make an account to charge buffers to.
 * @parent: the account every charge also goes to, or NULL; on success the
 *	new account owns the caller's reference on it.
 * @limit: the most bytes the account may have charged at once.
 * @gfp: allocation flags.
 *
 * Context: any context @gfp allows.
 * Return: the account, holding one reference for the caller, or NULL
 * (the reference on @parent is then still the caller's).
 */
struct kpool_account *kpool_account_alloc(struct kpool_account *parent,
					  u64 limit, gfp_t gfp)
{
	struct kpool_account *acct = kzalloc(sizeof(*acct), gfp);

	if (!acct)
		return NULL;
	refcount_set(&acct->ref, 1);
	atomic64_set(&acct->bytes, 0);
	acct->limit = limit;
	acct->parent = parent;
	INIT_HLIST_NODE(&acct->node);
	return acct;
}
EXPORT_SYMBOL_GPL(kpool_account_alloc);

/* Drop one reference; true when it was the last and @acct is gone. */
static bool kpool_account_release(struct kpool_account *acct)
{
	unsigned long flags;
	bool last;

	if (hlist_unhashed_lockless(&acct->node)) {
		last = refcount_dec_and_test(&acct->ref);
	} else {
		/* Rare (the last file of a user goes): the lock every time. */
		spin_lock_irqsave(&kpool_users_lock, flags);
		last = refcount_dec_and_test(&acct->ref);
		if (last)
			hash_del(&acct->node);
		spin_unlock_irqrestore(&kpool_users_lock, flags);
	}
	if (!last)
		return false;
	WARN_ON_ONCE(atomic64_read(&acct->bytes));
	kfree(acct);
	return true;
}

/**
 * kpool_account_put() - drop a reference on an account.
 * @acct: the account; it goes away once its owner and every buffer charged
 *	to it have let go, and then drops its reference on its parent.
 *
 * Context: any context.
 */
void kpool_account_put(struct kpool_account *acct)
{
	struct kpool_account *parent;

	for (; acct; acct = parent) {
		parent = acct->parent;
		/* A freed account's reference on its parent goes with it. */
		if (!kpool_account_release(acct))
			break;
	}
}
EXPORT_SYMBOL_GPL(kpool_account_put);

/**
 * kpool_user_account() - the account of a user, made on first use.
 * @uid: the user.
 *
 * Its limit is max_user_bytes.
 *
 * Context: process context; may sleep.
 * Return: the account, with a reference for the caller, or NULL.
 */
struct kpool_account *kpool_user_account(kuid_t uid)
{
	struct kpool_account *acct, *fresh;
	unsigned long flags;
	u32 key = from_kuid(&init_user_ns, uid);

	fresh = kpool_account_alloc(NULL, kpool_max_user_bytes,
				    GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return NULL;
	fresh->uid = uid;

	spin_lock_irqsave(&kpool_users_lock, flags);
	hash_for_each_possible(kpool_users, acct, node, key) {
		/* Under the lock an account in the table has references. */
		if (uid_eq(acct->uid, uid)) {
			refcount_inc(&acct->ref);
			spin_unlock_irqrestore(&kpool_users_lock, flags);
			kfree(fresh);
			return acct;
		}
	}
	hash_add(kpool_users, &fresh->node, key);
	spin_unlock_irqrestore(&kpool_users_lock, flags);
	return fresh;
}

/* Add @bytes to one account unless that would pass its limit. */
static bool kpool_account_try_charge(struct kpool_account *acct, u64 bytes)
{
	s64 cur = atomic64_read(&acct->bytes);

	do {
		if (bytes > acct->limit || (u64)cur > acct->limit - bytes)
			return false;
	} while (!atomic64_try_cmpxchg(&acct->bytes, &cur, cur + bytes));
	return true;
}

/**
 * kpool_account_charge() - charge bytes to an account and its ancestors.
 * @acct: the account.
 * @bytes: how many.
 *
 * Context: any context.
 * Return: 0, or -EDQUOT when some account of the chain would pass its
 * limit; then nothing is charged anywhere.
 */
int kpool_account_charge(struct kpool_account *acct, u64 bytes)
{
	struct kpool_account *a, *failed;

	for (a = acct; a; a = a->parent) {
		if (!kpool_account_try_charge(a, bytes))
			goto err_undo;
	}
	return 0;

err_undo:
	failed = a;
	for (a = acct; a != failed; a = a->parent)
		atomic64_sub(bytes, &a->bytes);
	return -EDQUOT;
}
EXPORT_SYMBOL_GPL(kpool_account_charge);

/**
 * kpool_account_uncharge() - undo kpool_account_charge().
 * @acct: the account charged.
 * @bytes: the bytes charged.
 *
 * Context: any context.
 */
void kpool_account_uncharge(struct kpool_account *acct, u64 bytes)
{
	for (; acct; acct = acct->parent)
		atomic64_sub(bytes, &acct->bytes);
}
EXPORT_SYMBOL_GPL(kpool_account_uncharge);

/**
 * kpool_account_bytes() - the bytes charged to an account now.
 * @acct: the account.
 *
 * Context: any context.
 * Return: the capacity of the live buffers charged to it; a snapshot.
 */
u64 kpool_account_bytes(const struct kpool_account *acct)
{
	return atomic64_read(&acct->bytes);
}
