// SPDX-License-Identifier: GPL-2.0
/*
 * The ways that work without the fast path: a plain walk, the "stock" workaround (take the
 * node out of the tree, unlock, exchange on the owning node, re-add) and the "baseline" that
 * exchanges on the owning node while still holding the lock (patch 1).
 */
#include "kptrlab.h"

char _license[] SEC("license") = "GPL";

KL_TREE(wsb, wsb_lock, wsb_root, kl_node, rb);
KL_KEEP_TYPE(wsb, kl_payload);

static bool wsb_less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	return container_of(a, struct kl_node, rb)->key < container_of(b, struct kl_node, rb)->key;
}

/*
 * Binary search with bpf_rbtree_root/left/right under the lock, reading keys through the
 * non-owning refs. No helper call under the lock, so every level with the walk kfuncs
 * (base..full) accepts; the series changes nothing here.
 */
SEC("tc")
KL_ACCEPT(KL_ALL_WALK_LEVELS)
KL_DESC("plain walk root/left/right under the lock, reading keys only")
KL_NEEDS("walk")
int walk_plain(struct __sk_buff *skb)
{
	__u64 key = skb->len;
	struct bpf_rb_node *rb;
	struct kl_node *n;
	int found = 0, d;

	bpf_spin_lock(&wsb_lock);
	rb = bpf_rbtree_root(&wsb_root);
	for (d = 0; d < 16 && rb; d++) {
		n = container_of(rb, struct kl_node, rb);
		if (n->key == key) {
			found = 1;
			break;
		}
		rb = key < n->key ? bpf_rbtree_left(&wsb_root, rb) : bpf_rbtree_right(&wsb_root, rb);
	}
	bpf_spin_unlock(&wsb_lock);
	return found ? KL_TC_OK : KL_TC_OK + 1;
}

/*
 * Stock: every bpf_kptr_xchg runs on an OWNING node (returned by bpf_rbtree_remove) with no
 * lock held — kptr_xchg_dest_types has listed PTR_TO_BTF_ID|MEM_ALLOC since Linux 6.12, and
 * the lock check does not apply. Accepted on base..full.
 */
SEC("tc")
KL_ACCEPT(KL_ALL_WALK_LEVELS)
KL_DESC("stock workaround: walk, remove, unlock, kptr_xchg on the owning node, lock, re-add")
KL_NEEDS("walk")
int stock_remove_unlock_xchg(struct __sk_buff *skb)
{
	struct kl_payload *p, *old;
	struct bpf_rb_node *rb;
	struct kl_node *n;

	bpf_spin_lock(&wsb_lock);
	rb = bpf_rbtree_root(&wsb_root);
	if (!rb) {
		bpf_spin_unlock(&wsb_lock);
		return KL_TC_OK;
	}
	rb = bpf_rbtree_remove(&wsb_root, rb);
	bpf_spin_unlock(&wsb_lock);
	if (!rb)
		return KL_TC_OK;
	n = container_of(rb, struct kl_node, rb);
	p = bpf_kptr_xchg(&n->payload, NULL);
	if (p) {
		p->counter++;
		old = bpf_kptr_xchg(&n->payload, p);
		if (old)
			bpf_obj_drop(old);
	}
	bpf_spin_lock(&wsb_lock);
	bpf_rbtree_add(&wsb_root, &n->rb, wsb_less);
	bpf_spin_unlock(&wsb_lock);
	return KL_TC_OK;
}

/*
 * Baseline: kptr_xchg on the OWNING node returned by bpf_rbtree_remove while the lock is
 * still held.
 *   base    lock check -> KL_RE_LOCKED_CALL.
 *   lock+   patch 1 allows kptr_xchg under the lock and R1 (PTR_TO_BTF_ID|MEM_ALLOC, owning)
 *           is a listed destination -> accepted.
 */
SEC("tc")
KL_ACCEPT("lock,nonown,full")
KL_MSG("base", KL_RE_LOCKED_CALL)
KL_DESC("baseline: walk, remove, kptr_xchg on the owning node while locked, re-add, unlock")
KL_NEEDS("walk")
int baseline_xchg_owning_locked(struct __sk_buff *skb)
{
	struct kl_payload *p, *old = NULL;
	struct bpf_rb_node *rb;
	struct kl_node *n;

	bpf_spin_lock(&wsb_lock);
	rb = bpf_rbtree_root(&wsb_root);
	if (!rb)
		goto out;
	rb = bpf_rbtree_remove(&wsb_root, rb);
	if (!rb)
		goto out;
	n = container_of(rb, struct kl_node, rb);
	p = bpf_kptr_xchg(&n->payload, NULL);
	if (p) {
		p->counter++;
		old = bpf_kptr_xchg(&n->payload, p);
	}
	bpf_rbtree_add(&wsb_root, &n->rb, wsb_less);
out:
	bpf_spin_unlock(&wsb_lock);
	if (old)
		bpf_obj_drop(old);
	return KL_TC_OK;
}
