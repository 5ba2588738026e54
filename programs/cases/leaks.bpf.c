// SPDX-License-Identifier: GPL-2.0
/*
 * A payload taken out of a node with bpf_kptr_xchg is an acquired reference: it must go back
 * into a kptr field or be dropped before the program exits.
 */
#include "kptrlab.h"

char _license[] SEC("license") = "GPL";

KL_TREE(lk, lk_lock, lk_root, kl_node, rb);
KL_KEEP_TYPE(lk, kl_payload);

static bool lk_less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	return container_of(a, struct kl_node, rb)->key < container_of(b, struct kl_node, rb)->key;
}

/*
 * Stock-style, so no call is made under the lock and every level gets as far as the exit:
 * remove, unlock, take the payload out of the owning node, re-add the node, never release the
 * payload -> check_reference_leak "Unreleased reference" on every level (the leak is the
 * only reason). bpf_rbtree_first keeps it independent of the walk kfuncs.
 */
SEC("tc")
KL_REJECT_ALWAYS
KL_MSG("*", KL_RE_UNRELEASED)
KL_DESC("payload taken out of an owning node (stock style) and leaked")
int leak_payload_stock(struct __sk_buff *skb)
{
	struct kl_payload *p;
	struct bpf_rb_node *rb;
	struct kl_node *n;

	bpf_spin_lock(&lk_lock);
	rb = bpf_rbtree_first(&lk_root);
	if (!rb) {
		bpf_spin_unlock(&lk_lock);
		return KL_TC_OK;
	}
	rb = bpf_rbtree_remove(&lk_root, rb);
	bpf_spin_unlock(&lk_lock);
	if (!rb)
		return KL_TC_OK;
	n = container_of(rb, struct kl_node, rb);
	p = bpf_kptr_xchg(&n->payload, NULL);
	bpf_spin_lock(&lk_lock);
	bpf_rbtree_add(&lk_root, &n->rb, lk_less);
	bpf_spin_unlock(&lk_lock);
	if (p)
		p->counter++;	/* used, never put back nor dropped */
	return KL_TC_OK;
}

/*
 * The same leak on the fast path: the payload is taken out of the non-owning node under the
 * lock and never put back.
 *   nowalk/base  the kptr_xchg under the lock -> KL_RE_LOCKED_CALL.
 *   lock         non-owning R1 not a listed destination -> KL_RE_DEST_NONOWN.
 *   nonown/full  the exchange is legal; the exit finds the acquired payload -> leak.
 */
SEC("tc")
KL_REJECT_ALWAYS
KL_MSG("*", KL_RE_LOCKED_CALL)
KL_MSG("lock", KL_RE_DEST_NONOWN)
KL_MSG("nonown", KL_RE_UNRELEASED)
KL_MSG("full", KL_RE_UNRELEASED)
KL_DESC("payload taken out of a non-owning node under the lock (fast path) and leaked")
int leak_payload_fast(struct __sk_buff *skb)
{
	struct kl_payload *p = NULL;
	struct bpf_rb_node *rb;
	struct kl_node *n;

	bpf_spin_lock(&lk_lock);
	rb = bpf_rbtree_first(&lk_root);
	if (rb) {
		n = container_of(rb, struct kl_node, rb);
		p = bpf_kptr_xchg(&n->payload, NULL);
	}
	bpf_spin_unlock(&lk_lock);
	if (p)
		p->counter++;	/* used, never put back nor dropped */
	return KL_TC_OK;
}
