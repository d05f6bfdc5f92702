/*
 * Test helper: the store's writer held back and waited for. A gate is a job
 * that keeps the writer's thread busy until the test opens it, so that what
 * is submitted behind it (in either of the writer's lanes: the ordinary one
 * and store_writer_call_first's) stays in flight for as long as the test
 * likes; a settle waits until every job submitted so far, in either lane, has
 * run and its done callback has been called on the loop.
 */
#ifndef LOAXA_TESTS_WRITERWAIT_H
#define LOAXA_TESTS_WRITERWAIT_H

struct store_writer;

struct writer_gate {
	int	release;	/* the write end of the pipe the gate's job waits on */
};

/*
 * Holds w's thread: returns once the gate's job is running (every job
 * submitted before it has run), so that nothing submitted after it runs, in
 * either lane, until writer_gate_open(). 0, or a negative errno (-ETIMEDOUT
 * after 5 s; open the gate all the same).
 */
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
