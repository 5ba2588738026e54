// SPDX-License-Identifier: GPL-2.0
/*
 * rbtree_bench — the benchmark workload of kptrlab.
 *
 * One global red-black tree of struct bench_node (key + __kptr payload), keyed 0..nr_nodes-1.
 * Every bench_* program does `lookups` lookups of the keys at keys[key_cursor + i] (the index
 * wraps at KL_KEYS_MAX) and then advances key_cursor by `lookups`, so the repeats of one
 * test_run, and the samples after it, walk on through the key array instead of starting over:
 * the harness fills keys[] with shuffles of 0..nr_nodes-1 and sets key_cursor per round, the
 * same for every variant of a round. Each variant except bench_empty counts its accesses in
 * the node it found, in its own slot (kptr variants in the payload's counts[], bench_walk in
 * the node's walk_visits), so the check afterwards tells per variant how many accesses landed
 * and on how many distinct nodes.
 *
 * Harness contract (.bss globals, by name):
 *   in:  nr_nodes, lookups, key_cursor, keys[] (its size is KL_KEYS_MAX)
 *   out: populated, hits, misses, check_nodes, check_counts[slot], check_distinct[slot],
 *        last_err   (bench_sink is scratch, not part of the contract)
 *   slots: 0 walk, 1 stock, 2 baseline, 3 fast
 * Programs:
 *   populate        SEC("syscall")  insert keys 0..nr_nodes-1, each with a zeroed payload
 *   check           SEC("syscall")  find every key, read its counts without changing them
 *   bench_empty     SEC("tc")       the loop and the keys[] read only (calibration)
 *   bench_walk      SEC("tc")       lock; walk; count; unlock         (any walk kernel)
 *   bench_stock     SEC("tc")       lock; walk; remove; unlock; xchg out/in; lock; add; unlock
 *   bench_baseline  SEC("tc")       lock; walk; remove; xchg out/in; add; unlock  (patch 1)
 *   bench_fast      SEC("tc")       lock; walk; xchg out/in on the non-owning node; unlock
 *                                   (patches 1+2)
 * bench_baseline and bench_fast do not load on base kernels: the harness turns their
 * autoload off there; the rest of the object loads on its own.
 */
#include "kptrlab.h"

char _license[] SEC("license") = "GPL";

#define KL_KEYS_MAX	65536	/* power of two: a whole shuffle of the largest tree the harness runs */

enum { KL_SLOT_WALK, KL_SLOT_STOCK, KL_SLOT_BASELINE, KL_SLOT_FAST, KL_SLOTS };

/* The payload swapped in and out of a node's __kptr field: one access counter per variant. */
struct bench_payload {
	__u64 counts[KL_SLOTS];
};

struct bench_node {
	struct bpf_rb_node rb;
	__u64 key;
	__u64 walk_visits;
	struct bench_payload __kptr *payload;
};

/* ---- harness inputs */
__u32 nr_nodes;
__u32 lookups;
__u32 key_cursor;
__u32 keys[KL_KEYS_MAX];

/* ---- harness outputs */
__u64 populated;
__u64 hits;
__u64 misses;
__u64 check_nodes;
__u64 check_counts[KL_SLOTS];
__u64 check_distinct[KL_SLOTS];
__s64 last_err;

/* Scratch: values the benchmark loops compute only so the compiler keeps their loads. A store
 * (unlike a comparison) does not make the value precise, so the loop states still converge. */
__u64 bench_sink;

#define KL_ENOMEM 12

KL_TREE(bench, glock, groot, bench_node, rb);

static bool node_less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	struct bench_node *na = container_of(a, struct bench_node, rb);
	struct bench_node *nb = container_of(b, struct bench_node, rb);

	return na->key < nb->key;
}

/*
 * Binary search from the root. Must be called with glock held; returns a non-owning
 * reference to the node holding `key`, or NULL.
 */
static __always_inline struct bench_node *walk_to(__u64 key)
{
	struct bpf_rb_node *rb = bpf_rbtree_root(&groot);
	struct bench_node *n;
	int d;

	for (d = 0; d < KL_MAX_DEPTH; d++) {
		if (!rb)
			return NULL;
		n = container_of(rb, struct bench_node, rb);
		if (n->key == key)
			return n;
		if (key < n->key)
			rb = bpf_rbtree_left(&groot, rb);
		else
			rb = bpf_rbtree_right(&groot, rb);
	}
	return NULL;
}

/*
 * Extra work per walk access, none by default. The harness's sensitivity benchmark (bench/sensitivity.ts)
 * compiles a wrapper that defines KL_PAD_WALK=k before including this file, to inject a known slowdown
 * of k multiply-adds per access and measure what the detectors find.
 */
#ifndef KL_PAD_WALK
#define KL_PAD_WALK 0
#endif

static __always_inline __u64 kl_pad(__u64 acc, __u64 key)
{
	int j;

#pragma unroll
	for (j = 0; j < KL_PAD_WALK; j++)
		acc = acc * 31 + (key ^ j);
	return acc;
}

static __always_inline __u64 key_at(__u32 start, int i)
{
	return keys[(start + i) & (KL_KEYS_MAX - 1)];
}

/* ------------------------------------------------------------------ setup and check */

SEC("syscall")
int populate(void *ctx)
{
	struct bench_payload *p, *old;
	struct bench_node *n;
	__u32 count = nr_nodes;
	int i;

	bpf_for(i, 0, count) {
		n = bpf_obj_new(struct bench_node);
		if (!n) {
			last_err = -KL_ENOMEM;
			break;
		}
		n->key = i;
		p = bpf_obj_new(struct bench_payload);
		if (!p) {
			bpf_obj_drop(n);
			last_err = -KL_ENOMEM;
			break;
		}
		__builtin_memset(p->counts, 0, sizeof(p->counts));
		n->walk_visits = 0;
		/* The node is owning and the lock is not held: valid on every kernel. */
		old = bpf_kptr_xchg(&n->payload, p);
		if (old)
			bpf_obj_drop(old);
		bpf_spin_lock(&glock);
		bpf_rbtree_add(&groot, &n->rb, node_less);
		bpf_spin_unlock(&glock);
		populated++;
	}
	return 0;
}

/* Adds one node's count for a slot to the totals; a node counts as visited once per slot. */
static __always_inline void tally(int slot, __u64 count)
{
	if (slot < 0 || slot >= KL_SLOTS)
		return;
	check_counts[slot] += count;
	if (count)
		check_distinct[slot]++;
}

SEC("syscall")
int check(void *ctx)
{
	struct bench_payload *p, *old;
	struct bpf_rb_node *rb;
	struct bench_node *n;
	__u32 count = nr_nodes;
	__u64 nodes = 0;
	int i, slot;

	bpf_for(slot, 0, KL_SLOTS) {
		check_counts[slot] = 0;
		check_distinct[slot] = 0;
	}
	bpf_for(i, 0, count) {
		bpf_spin_lock(&glock);
		n = walk_to(i);
		if (!n) {
			bpf_spin_unlock(&glock);
			continue;
		}
		rb = bpf_rbtree_remove(&groot, &n->rb);
		bpf_spin_unlock(&glock);
		if (!rb)
			continue;
		n = container_of(rb, struct bench_node, rb);
		nodes++;
		tally(KL_SLOT_WALK, n->walk_visits);
		p = bpf_kptr_xchg(&n->payload, NULL);
		if (p) {
			tally(KL_SLOT_STOCK, p->counts[KL_SLOT_STOCK]);
			tally(KL_SLOT_BASELINE, p->counts[KL_SLOT_BASELINE]);
			tally(KL_SLOT_FAST, p->counts[KL_SLOT_FAST]);
			old = bpf_kptr_xchg(&n->payload, p);
			if (old)
				bpf_obj_drop(old);
		}
		bpf_spin_lock(&glock);
		bpf_rbtree_add(&groot, &n->rb, node_less);
		bpf_spin_unlock(&glock);
	}
	check_nodes = nodes;
	return 0;
}

/* ------------------------------------------------------------------ benchmarks */

SEC("tc")
int bench_empty(struct __sk_buff *skb)
{
	__u32 count = lookups;
	__u32 start = key_cursor;
	__u64 acc = 0;
	int i;

	bpf_for(i, 0, count)
		acc += key_at(start, i);
	bench_sink = acc;
	key_cursor = start + count;
	return KL_TC_OK;
}

SEC("tc")
int bench_walk(struct __sk_buff *skb)
{
	__u32 count = lookups;
	__u32 start = key_cursor;
	__u64 h = 0, m = 0, acc = 0;
	struct bench_node *n;
	int i;

	bpf_for(i, 0, count) {
		__u64 key = key_at(start, i);

		bpf_spin_lock(&glock);
		n = walk_to(key);
		if (n) {
			acc += n->key;	/* consume the node so the walk is not optimised out */
			acc = kl_pad(acc, key);
			n->walk_visits++;
			h++;
		} else {
			m++;
		}
		bpf_spin_unlock(&glock);
	}
	bench_sink = acc;
	hits += h;
	misses += m;
	key_cursor = start + count;
	return KL_TC_OK;
}

SEC("tc")
int bench_stock(struct __sk_buff *skb)
{
	__u32 count = lookups;
	__u32 start = key_cursor;
	__u64 h = 0, m = 0;
	struct bench_payload *p, *old;
	struct bpf_rb_node *rb;
	struct bench_node *n;
	int i;

	bpf_for(i, 0, count) {
		__u64 key = key_at(start, i);

		bpf_spin_lock(&glock);
		n = walk_to(key);
		if (!n) {
			bpf_spin_unlock(&glock);
			m++;
			continue;
		}
		rb = bpf_rbtree_remove(&groot, &n->rb);
		bpf_spin_unlock(&glock);
		if (!rb) {
			m++;
			continue;
		}
		n = container_of(rb, struct bench_node, rb);
		p = bpf_kptr_xchg(&n->payload, NULL);
		if (p) {
			p->counts[KL_SLOT_STOCK]++;
			old = bpf_kptr_xchg(&n->payload, p);
			if (old)
				bpf_obj_drop(old);
			h++;
		} else {
			m++;
		}
		bpf_spin_lock(&glock);
		bpf_rbtree_add(&groot, &n->rb, node_less);
		bpf_spin_unlock(&glock);
	}
	hits += h;
	misses += m;
	key_cursor = start + count;
	return KL_TC_OK;
}

SEC("tc")
int bench_baseline(struct __sk_buff *skb)
{
	__u32 count = lookups;
	__u32 start = key_cursor;
	__u64 h = 0, m = 0;
	struct bench_payload *p, *old;
	struct bpf_rb_node *rb;
	struct bench_node *n;
	int i;

	bpf_for(i, 0, count) {
		__u64 key = key_at(start, i);

		old = NULL;
		bpf_spin_lock(&glock);
		n = walk_to(key);
		if (!n) {
			bpf_spin_unlock(&glock);
			m++;
			continue;
		}
		rb = bpf_rbtree_remove(&groot, &n->rb);
		if (!rb) {
			bpf_spin_unlock(&glock);
			m++;
			continue;
		}
		n = container_of(rb, struct bench_node, rb);
		/* Owning node, lock held: needs patch 1. */
		p = bpf_kptr_xchg(&n->payload, NULL);
		if (p) {
			p->counts[KL_SLOT_BASELINE]++;
			old = bpf_kptr_xchg(&n->payload, p);
			h++;
		} else {
			m++;
		}
		bpf_rbtree_add(&groot, &n->rb, node_less);
		bpf_spin_unlock(&glock);
		/* bpf_obj_drop is not callable under the lock. */
		if (old)
			bpf_obj_drop(old);
	}
	hits += h;
	misses += m;
	key_cursor = start + count;
	return KL_TC_OK;
}

SEC("tc")
int bench_fast(struct __sk_buff *skb)
{
	__u32 count = lookups;
	__u32 start = key_cursor;
	__u64 h = 0, m = 0;
	struct bench_payload *p, *old;
	struct bench_node *n;
	int i;

	bpf_for(i, 0, count) {
		__u64 key = key_at(start, i);

		old = NULL;
		bpf_spin_lock(&glock);
		n = walk_to(key);
		if (!n) {
			bpf_spin_unlock(&glock);
			m++;
			continue;
		}
		/* Non-owning node, in place, lock held: needs patches 1+2. */
		p = bpf_kptr_xchg(&n->payload, NULL);
		if (p) {
			p->counts[KL_SLOT_FAST]++;
			old = bpf_kptr_xchg(&n->payload, p);
			h++;
		} else {
			m++;
		}
		bpf_spin_unlock(&glock);
		if (old)
			bpf_obj_drop(old);
	}
	hits += h;
	misses += m;
	key_cursor = start + count;
	return KL_TC_OK;
}
