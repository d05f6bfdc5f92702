/*
 * Test helper: the store's writer held back and waited for. A gate is a job
 * that keeps the writer's thread busy until the test opens it, so that what
 * is submitted behind it stays in flight for as long as the test likes; a
 * settle waits until every job submitted so far has run and its done callback
 * has been called on the loop (jobs are done in order).
 */
#ifndef LOAXA_TESTS_WRITERWAIT_H
#define LOAXA_TESTS_WRITERWAIT_H

struct store_writer;

struct writer_gate {
	int	fd[2];
};

/* Holds w's thread from its next job on. 0, or a negative errno. */
int	writer_gate_close(struct store_writer *w, struct writer_gate *g);
/* Lets it go (before store_writer_free(), which would wait for it). */
void	writer_gate_open(struct writer_gate *g);
/*
 * Runs w's loop source (alone, in a loop of its own) until every job
 * submitted before has run and its done callback was called, for at most
 * timeout_ms. 0, or -ETIMEDOUT.
 */
int	writer_settle(struct store_writer *w, int timeout_ms);

#endif
