// SPDX-License-Identifier: GPL-2.0
/*
 * Type checks on both arguments of bpf_kptr_xchg: the pointer stored must match the
 * __kptr field's type, and the destination must be a __kptr field at all. Each reason is
 * shown once on an owning node outside the lock (the reason on every level) and once on the
 * fast path (where the series must still run the same checks).
 */
#include "kptrlab.h"

char _license[] SEC("license") = "GPL";

/* Same size and layout as kl_payload, different BTF type. */
struct kl_wrong {
	__u64 counter;
};

KL_TREE(kt, kt_lock, kt_root, kl_node, rb);
KL_KEEP_TYPE(kt, kl_payload);

/*
 * Owning node (fresh bpf_obj_new), no lock: R1 passes, R2 is ptr_kl_wrong where the field
 * holds kl_payload -> map_kptr_match_type "invalid kptr access, R2 type=ptr_kl_wrong
 * expected=ptr_kl_payload" on every level (no lock involved, owning dest since 6.12).
 */
SEC("tc")
KL_REJECT_ALWAYS
KL_MSG("*", "invalid kptr access, R2 type=ptr_kl_wrong expected=ptr_kl_payload")
KL_DESC("kptr_xchg of a payload of the wrong type into the __kptr field of an owning node")
int wrong_payload_type(struct __sk_buff *skb)
{
	struct kl_payload *old;
	struct kl_wrong *w;
	struct kl_node *n;

	n = bpf_obj_new(struct kl_node);
	if (!n)
		return KL_TC_OK;
	w = bpf_obj_new(struct kl_wrong);
	if (!w) {
		bpf_obj_drop(n);
		return KL_TC_OK;
	}
	old = bpf_kptr_xchg(&n->payload, (struct kl_payload *)w);
	if (old)
		bpf_obj_drop(old);
	bpf_obj_drop(n);
	return KL_TC_OK;
}

/*
 * The same wrong type stored through a non-owning node under the lock.
 *   nowalk/base  KL_RE_LOCKED_CALL.   lock  KL_RE_DEST_NONOWN (R1 checked first).
 *   nonown/full  R1 is accepted, then R2 fails map_kptr_match_type as above.
 * The wrong object is allocated before taking the lock (bpf_obj_new is not allowed under it).
 */
SEC("tc")
KL_REJECT_ALWAYS
KL_MSG("*", KL_RE_LOCKED_CALL)
KL_MSG("lock", KL_RE_DEST_NONOWN)
KL_MSG("nonown", "invalid kptr access, R2 type=ptr_kl_wrong expected=ptr_kl_payload")
KL_MSG("full", "invalid kptr access, R2 type=ptr_kl_wrong expected=ptr_kl_payload")
KL_DESC("fast path storing a payload of the wrong type into a non-owning node")
int wrong_payload_type_nonown(struct __sk_buff *skb)
{
	struct kl_payload *old = NULL;
	struct bpf_rb_node *rb;
	struct kl_wrong *w;
	struct kl_node *n;

	w = bpf_obj_new(struct kl_wrong);
	if (!w)
		return KL_TC_OK;
	bpf_spin_lock(&kt_lock);
	rb = bpf_rbtree_first(&kt_root);
	if (rb) {
		n = container_of(rb, struct kl_node, rb);
		old = bpf_kptr_xchg(&n->payload, (struct kl_payload *)w);
		w = NULL;
	}
	bpf_spin_unlock(&kt_lock);
	if (w)
		bpf_obj_drop(w);
	if (old)
		bpf_obj_drop(old);
	return KL_TC_OK;
}

/*
 * Destination is the node's plain __u64 key (offset 32), not a kptr field. Owning node, no
 * lock: process_kptr_func "off=32 doesn.t point to kptr" on every level.
 */
SEC("tc")
KL_REJECT_ALWAYS
KL_MSG("*", "off=32 doesn.t point to kptr")
KL_DESC("kptr_xchg on a non-kptr field (the key) of an owning node")
int xchg_non_kptr_field(struct __sk_buff *skb)
{
	struct kl_payload *p;
	struct kl_node *n;

	n = bpf_obj_new(struct kl_node);
	if (!n)
		return KL_TC_OK;
	p = bpf_kptr_xchg(&n->key, NULL);
	if (p)
		bpf_obj_drop(p);
	bpf_obj_drop(n);
	return KL_TC_OK;
}

/*
 * The same on the fast path: the series admits non-owning destinations but must still
 * demand a kptr field at the offset.
 *   nowalk/base  KL_RE_LOCKED_CALL.   lock  KL_RE_DEST_NONOWN.
 *   nonown/full  "off=32 doesn.t point to kptr".
 */
SEC("tc")
KL_REJECT_ALWAYS
KL_MSG("*", KL_RE_LOCKED_CALL)
KL_MSG("lock", KL_RE_DEST_NONOWN)
KL_MSG("nonown", "off=32 doesn.t point to kptr")
KL_MSG("full", "off=32 doesn.t point to kptr")
KL_DESC("kptr_xchg on a non-kptr field (the key) of a non-owning node under the lock")
int xchg_non_kptr_field_nonown(struct __sk_buff *skb)
{
	struct kl_payload *p = NULL;
	struct bpf_rb_node *rb;
	struct kl_node *n;

	bpf_spin_lock(&kt_lock);
	rb = bpf_rbtree_first(&kt_root);
	if (rb) {
		n = container_of(rb, struct kl_node, rb);
		p = bpf_kptr_xchg(&n->key, NULL);
	}
	bpf_spin_unlock(&kt_lock);
	if (p)
		bpf_obj_drop(p);
	return KL_TC_OK;
}
