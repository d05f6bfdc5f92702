/*
 * Tests of the durable store against real SQLite in a temporary directory,
 * real files, sha256sum as an independent checksum, and a child process
 * killed with SIGKILL to show that what was acknowledged is on disk.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "config/errlist.h"
#include "daemon/core/file.h"
#include "daemon/store/store.h"
#include "tests/helpers/tmpstore.h"
#include "tests/t.h"

#define SHA_A_TEXT "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
static const char SHA_A[] = SHA_A_TEXT;
static const char SHA_B[] = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

static struct queue_item
t_item(const char *name, const char *title, const char *sha, time_t at)
{
	struct queue_item it;

	memset(&it, 0, sizeof(it));
	it.path = (char *)"/var/lib/loaxa/bulletins/x.opus";
	it.name = (char *)name;
	it.title = (char *)title;
	snprintf(it.sha256, sizeof(it.sha256), "%s", sha);
	it.at = at;
	return it;
}

/* Files in dir, not counting "." and "..". */
static int
t_count_files(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* Writes len random bytes to path; returns them (malloc'd). */
static unsigned char *
t_random_file(const char *path, size_t len)
{
	unsigned char *buf = malloc(len);
	FILE *fp;

	if (buf == NULL || (fp = fopen(path, "wb")) == NULL)
		abort();
	randombytes_buf(buf, len);
	if (fwrite(buf, 1, len, fp) != len || fclose(fp) != 0)
		abort();
	return buf;
}

/* The first word of a shell command's output, e.g. sha256sum's checksum. */
static void
t_shell_word(const char *cmd, char *out, size_t len)
{
	char fmt[16];
	FILE *p;

	out[0] = '\0';
	snprintf(fmt, sizeof(fmt), "%%%zus", len - 1);
	if ((p = popen(cmd, "r")) == NULL)
		return;
	if (fscanf(p, fmt, out) != 1)
		out[0] = '\0';
	pclose(p);
}

/* True when the file at path holds exactly buf[len]. */
static int
t_file_equals(const char *path, const unsigned char *buf, size_t len)
{
	unsigned char *got = malloc(len + 1);
	FILE *fp = fopen(path, "rb");
	size_t n = 0;
	int same;

	if (fp != NULL) {
		n = fread(got, 1, len + 1, fp);
		fclose(fp);
	}
	same = fp != NULL && n == len && memcmp(got, buf, len) == 0;
	free(got);
	return same;
}

static void
test_queue_add_list_remove(void)
{
	char dir[64];
	struct store *s;
	struct queue_item a, b, c, *v = NULL;
	size_t n = 0;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "store") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	if (s == NULL)
		return;
	a = t_item("bản tin sáng.opus", "Thông báo tiêm chủng đợt 2", SHA_A, 0);
	b = t_item("Lịch cắt điện tháng 12.opus", NULL, SHA_B, 1767225600);
	c = t_item("phòng chống bão lũ.opus", "Cảnh báo bão số 9", SHA_A, 0);
	T_EQ_INT(store_queue_count(s), 0);
	T_EQ_INT(store_queue_add(s, &a), 0);
	T_EQ_INT(store_queue_add(s, &b), 0);
	T_EQ_INT(store_queue_add(s, &c), 0);
	T_ASSERT(a.id > 0 && b.id > a.id && c.id > b.id);
	T_ASSERT(a.created > 0);
	T_EQ_INT(store_queue_count(s), 3);

	T_EQ_INT(store_queue_list(s, &v, &n), 0);
	T_EQ_INT(n, 3);
	if (n == 3) {
		T_EQ_INT(v[0].id, a.id);
		T_EQ_STR(v[0].name, "bản tin sáng.opus");
		T_EQ_STR(v[0].title, "Thông báo tiêm chủng đợt 2");
		T_EQ_STR(v[0].path, "/var/lib/loaxa/bulletins/x.opus");
		T_EQ_STR(v[0].sha256, SHA_A);
		T_EQ_INT(v[0].at, 0);
		T_EQ_INT(v[0].created, a.created);
		T_EQ_STR(v[1].name, "Lịch cắt điện tháng 12.opus");
		T_ASSERT(v[1].title == NULL);
		T_EQ_STR(v[1].sha256, SHA_B);
		T_EQ_INT(v[1].at, 1767225600);
		T_EQ_STR(v[2].title, "Cảnh báo bão số 9");
	}
	store_queue_free(v, n);

	T_EQ_INT(store_queue_remove(s, b.id), 0);
	T_EQ_INT(store_queue_remove(s, b.id), -ENOENT);
	T_EQ_INT(store_queue_count(s), 2);
	T_EQ_INT(store_queue_list(s, &v, &n), 0);
	T_EQ_INT(n, 2);
	if (n == 2) {
		T_EQ_INT(v[0].id, a.id);
		T_EQ_INT(v[1].id, c.id);
	}
	store_queue_free(v, n);

	a.name = NULL;
	T_EQ_INT(store_queue_add(s, &a), -EINVAL);
	T_EQ_INT(store_queue_count(s), 2);
	store_close(s);
	tmpstore_rmdir(dir);
}

static void
test_queue_empty_list(void)
{
	char dir[64];
	struct store *s;
	struct queue_item *v = (struct queue_item *)&v;
	size_t n = 99;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "store") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	if (s == NULL)
		return;
	T_EQ_INT(store_queue_list(s, &v, &n), 0);
	T_EQ_INT(n, 0);
	T_ASSERT(v == NULL);
	store_queue_free(v, n);
	store_close(s);
	tmpstore_rmdir(dir);
}

static void
test_queue_survives_reopen(void)
{
	char dir[64];
	struct store *s;
	struct queue_item a, b, c, *v = NULL;
	size_t n = 0;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "store") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	if (s == NULL)
		return;
	a = t_item("bản tin trưa.opus", "Tin nông nghiệp", SHA_A, 0);
	b = t_item("nhạc hiệu.opus", "Nhạc hiệu", SHA_B, 0);
	T_EQ_INT(store_queue_add(s, &a), 0);
	T_EQ_INT(store_queue_add(s, &b), 0);
	T_EQ_INT(store_queue_remove(s, b.id), 0);
	store_close(s);

	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	if (s == NULL)
		return;
	T_EQ_INT(store_queue_list(s, &v, &n), 0);
	T_EQ_INT(n, 1);
	if (n == 1) {
		T_EQ_INT(v[0].id, a.id);
		T_EQ_STR(v[0].name, "bản tin trưa.opus");
		T_EQ_STR(v[0].title, "Tin nông nghiệp");
	}
	store_queue_free(v, n);
	/* An id printed to an operator is never given to another item. */
	c = t_item("bản tin chiều.opus", NULL, SHA_A, 0);
	T_EQ_INT(store_queue_add(s, &c), 0);
	T_ASSERT(c.id > b.id);
	store_close(s);
	tmpstore_rmdir(dir);
}

static void
test_queue_bounded(void)
{
	char dir[64];
	struct store *s;
	struct queue_item it;
	int i, rc = 0;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "store") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	if (s == NULL)
		return;
	for (i = 0; i < STORE_QUEUE_MAX && rc == 0; i++) {
		it = t_item("x.opus", NULL, SHA_A, 0);
		rc = store_queue_add(s, &it);
	}
	T_EQ_INT(rc, 0);
	T_EQ_INT(store_queue_count(s), STORE_QUEUE_MAX);
	it = t_item("một cái nữa.opus", NULL, SHA_A, 0);
	T_EQ_INT(store_queue_add(s, &it), -EDQUOT);
	T_EQ_INT(store_queue_count(s), STORE_QUEUE_MAX);
	store_close(s);
	tmpstore_rmdir(dir);
}

static void
test_import_checksum_and_content(void)
{
	char dir[64], src[PATH_MAX], cmd[PATH_MAX + 32], want[80], path[PATH_MAX], hex[65], hex2[65];
	const size_t len = 300 * 1024 + 17;	/* several read buffers and a ragged end */
	unsigned char *data;
	struct store *s;
	int fd;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "store") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	if (s == NULL)
		return;
	snprintf(src, sizeof(src), "%s/bản tin sáng thứ hai.opus", dir);
	data = t_random_file(src, len);
	snprintf(cmd, sizeof(cmd), "sha256sum '%s'", src);
	t_shell_word(cmd, want, sizeof(want));
	T_EQ_INT(strlen(want), 64);

	T_ASSERT((fd = open(src, O_RDONLY)) != -1);
	T_EQ_INT(store_import_fd(s, fd, len, path, sizeof(path), hex), 0);
	close(fd);
	T_EQ_STR(hex, want);
	T_ASSERT(strncmp(path, store_bulletin_dir(s), strlen(store_bulletin_dir(s))) == 0);
	T_CONTAINS(path, want);
	T_ASSERT(t_file_equals(path, data, len));
	T_EQ_INT(file_sha256(src, hex2), 0);
	T_EQ_STR(hex2, want);
	T_EQ_INT(file_sha256("/nonexistent/bản tin.opus", hex2), -ENOENT);
	T_EQ_INT(t_count_files(store_bulletin_dir(s)), 1);

	T_ASSERT((fd = open(src, O_RDONLY)) != -1);
	T_EQ_INT(store_import_fd(s, fd, len, path, 20, hex), -ENAMETOOLONG);
	close(fd);
	T_EQ_INT(t_count_files(store_bulletin_dir(s)), 1);
	free(data);
	store_close(s);
	tmpstore_rmdir(dir);
}

static void
test_import_twice_stores_once(void)
{
	char dir[64], src[PATH_MAX], p1[PATH_MAX], p2[PATH_MAX], h1[65], h2[65];
	unsigned char *data;
	struct store *s;
	struct stat st1, st2;
	int fd;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "store") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	if (s == NULL)
		return;
	snprintf(src, sizeof(src), "%s/thông báo.opus", dir);
	data = t_random_file(src, 70000);
	T_ASSERT((fd = open(src, O_RDONLY)) != -1);
	T_EQ_INT(store_import_fd(s, fd, 1 << 20, p1, sizeof(p1), h1), 0);
	close(fd);
	T_EQ_INT(stat(p1, &st1), 0);
	T_ASSERT((fd = open(src, O_RDONLY)) != -1);
	T_EQ_INT(store_import_fd(s, fd, 1 << 20, p2, sizeof(p2), h2), 0);
	close(fd);
	T_EQ_INT(stat(p2, &st2), 0);
	T_EQ_STR(p1, p2);
	T_EQ_STR(h1, h2);
	/* The same inode: the second import did not replace the stored file. */
	T_EQ_INT(st1.st_ino, st2.st_ino);
	T_EQ_INT(t_count_files(store_bulletin_dir(s)), 1);
	T_ASSERT(t_file_equals(p1, data, 70000));
	free(data);
	store_close(s);
	tmpstore_rmdir(dir);
}

static void
test_import_too_big_leaves_nothing(void)
{
	char dir[64], src[PATH_MAX], path[PATH_MAX], hex[65];
	unsigned char *data;
	struct store *s;
	int fd;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "store") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	if (s == NULL)
		return;
	snprintf(src, sizeof(src), "%s/bản tin dài.opus", dir);
	data = t_random_file(src, 200000);
	T_ASSERT((fd = open(src, O_RDONLY)) != -1);
	T_EQ_INT(store_import_fd(s, fd, 199999, path, sizeof(path), hex), -EFBIG);
	close(fd);
	T_EQ_INT(t_count_files(store_bulletin_dir(s)), 0);
	/* Exactly the limit is allowed. */
	T_ASSERT((fd = open(src, O_RDONLY)) != -1);
	T_EQ_INT(store_import_fd(s, fd, 200000, path, sizeof(path), hex), 0);
	close(fd);
	T_EQ_INT(t_count_files(store_bulletin_dir(s)), 1);
	free(data);
	store_close(s);
	tmpstore_rmdir(dir);
}

/* From the fd's current offset, and from a pipe (not seekable). */
static void
test_import_offset_and_pipe(void)
{
	char dir[64], src[PATH_MAX], cmd[PATH_MAX + 64], want[80], path[PATH_MAX], hex[65];
	unsigned char *data;
	struct store *s;
	FILE *p;
	int fd;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "store") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	if (s == NULL)
		return;
	snprintf(src, sizeof(src), "%s/bản tin chiều.opus", dir);
	data = t_random_file(src, 150000);
	snprintf(cmd, sizeof(cmd), "tail -c +1001 '%s' | sha256sum", src);
	t_shell_word(cmd, want, sizeof(want));
	T_ASSERT((fd = open(src, O_RDONLY)) != -1);
	T_EQ_INT(lseek(fd, 1000, SEEK_SET), 1000);
	T_EQ_INT(store_import_fd(s, fd, 1 << 20, path, sizeof(path), hex), 0);
	close(fd);
	T_EQ_STR(hex, want);
	T_ASSERT(t_file_equals(path, data + 1000, 150000 - 1000));

	/* Only regular files: a pipe is refused at once (it could hang the loop). */
	snprintf(cmd, sizeof(cmd), "cat '%s'", src);
	T_ASSERT((p = popen(cmd, "r")) != NULL);
	if (p != NULL) {
		T_EQ_INT(store_import_fd(s, fileno(p), 1 << 20, path, sizeof(path), hex), -EINVAL);
		pclose(p);
	}
	T_EQ_INT(t_count_files(store_bulletin_dir(s)), 1);
	free(data);
	store_close(s);
	tmpstore_rmdir(dir);
}

/* A temporary file from an import cut short by a crash is removed at open. */
static void
test_open_removes_unfinished_import(void)
{
	char dir[64], tmp[PATH_MAX];
	struct store *s;
	FILE *fp;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "store") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	if (s == NULL)
		return;
	snprintf(tmp, sizeof(tmp), "%s/.import-AbC123", store_bulletin_dir(s));
	T_ASSERT((fp = fopen(tmp, "w")) != NULL);
	if (fp != NULL)
		fclose(fp);
	store_close(s);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	T_ASSERT(access(tmp, F_OK) == -1);
	store_close(s);
	tmpstore_rmdir(dir);
}

/*
 * Runs in a child in its own mount namespace, so that the small file system
 * disappears with it whatever happens. Exits 0 when every check passed.
 */
static void
t_disk_full_child(const char *mnt)
{
	char src[PATH_MAX], path[PATH_MAX], hex[65];
	struct queue_item it;
	struct store *s;
	int fd;

	if (unshare(CLONE_NEWNS) == -1 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1 ||
	    mount("tmpfs", mnt, "tmpfs", 0, "size=512k") == -1)
		_exit(77);
	T_ASSERT((s = tmpstore_open(mnt)) != NULL);
	if (s == NULL)
		_exit(1);
	snprintf(src, sizeof(src), "/tmp/loaxa-store-big-%d", (int)getpid());
	free(t_random_file(src, 2 << 20));
	T_ASSERT((fd = open(src, O_RDONLY)) != -1);
	T_EQ_INT(store_import_fd(s, fd, 4 << 20, path, sizeof(path), hex), -ENOSPC);
	close(fd);
	unlink(src);
	T_EQ_INT(t_count_files(store_bulletin_dir(s)), 0);
	/* The space the copy took is free again: the database still works. */
	it = t_item("sau khi đầy đĩa.opus", NULL, SHA_A, 0);
	T_EQ_INT(store_queue_add(s, &it), 0);
	store_close(s);
	_exit(t_case_failed);
}

static void
test_import_disk_full(void)
{
	char dir[64];
	pid_t pid;
	int status = -1;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "store") == 0);
	fflush(NULL);
	if ((pid = fork()) == 0)
		t_disk_full_child(dir);
	T_ASSERT(pid > 0);
	T_ASSERT(waitpid(pid, &status, 0) == pid);
	T_ASSERT(WIFEXITED(status));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		fprintf(stderr, "  cannot mount a small tmpfs here (no CAP_SYS_ADMIN?); "
		    "disk-full import not checked\n");
	else
		T_EQ_INT(WEXITSTATUS(status), 0);
	tmpstore_rmdir(dir);
}

static void
test_outbox_order_ack_reopen(void)
{
	char dir[64];
	struct store *s;
	struct outbox_msg m = { 0 };
	struct asrun_rec r = { "p1", "started", 1767225600, "{\"n\":1}", 0 };
	int64_t s1, s2, s3;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "store") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	if (s == NULL)
		return;
	T_EQ_INT(store_outbox_next(s, 0, &m), -ENOENT);
	T_EQ_INT(store_event_add(s, &r, "loaxa/xa-1/asrun"), 0);
	r.event = "finished";
	r.json = "{\"n\":2,\"tên\":\"bản tin sáng\"}";
	T_EQ_INT(store_event_add(s, &r, "loaxa/xa-1/asrun"), 0);
	r.play_id = "p2";
	r.event = "missed";
	r.json = "{\"n\":3}";
	T_EQ_INT(store_event_add(s, &r, "loaxa/xa-1/alert"), 0);
	T_EQ_INT(store_outbox_count(s), 3);

	T_EQ_INT(store_outbox_next(s, 0, &m), 0);
	s1 = m.seq;
	T_EQ_STR(m.topic, "loaxa/xa-1/asrun");
	T_EQ_STR(m.payload, "{\"n\":1,\"seq\":1}");	/* each record carries its number */
	store_outbox_msg_clear(&m);
	T_EQ_INT(store_outbox_next(s, s1, &m), 0);
	s2 = m.seq;
	T_ASSERT(s2 > s1);
	T_EQ_STR(m.payload, "{\"n\":2,\"tên\":\"bản tin sáng\",\"seq\":2}");
	store_outbox_msg_clear(&m);
	T_EQ_INT(store_outbox_next(s, s2, &m), 0);
	s3 = m.seq;
	T_EQ_STR(m.topic, "loaxa/xa-1/alert");
	store_outbox_msg_clear(&m);
	T_EQ_INT(store_outbox_next(s, s3, &m), -ENOENT);

	T_EQ_INT(store_outbox_ack(s, s2), 0);
	T_EQ_INT(store_outbox_ack(s, s2), -ENOENT);
	T_EQ_INT(store_outbox_count(s), 2);
	T_EQ_INT(store_outbox_next(s, s1, &m), 0);
	T_EQ_INT(m.seq, s3);
	store_outbox_msg_clear(&m);
	store_outbox_msg_clear(&m);	/* clearing twice is harmless */
	store_close(s);

	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	if (s == NULL)
		return;
	T_EQ_INT(store_outbox_count(s), 2);
	T_EQ_INT(store_outbox_next(s, 0, &m), 0);
	T_EQ_INT(m.seq, s1);
	T_EQ_STR(m.payload, "{\"n\":1,\"seq\":1}");
	store_outbox_msg_clear(&m);
	T_EQ_INT(store_outbox_ack(s, s1), 0);
	T_EQ_INT(store_outbox_ack(s, s3), 0);
	T_EQ_INT(store_outbox_count(s), 0);
	/* A new message never reuses the number of one already acknowledged. */
	T_EQ_INT(store_event_add(s, &r, "loaxa/xa-1/asrun"), 0);
	T_EQ_INT(store_outbox_next(s, s3, &m), 0);
	T_ASSERT(m.seq > s3);
	store_outbox_msg_clear(&m);
	store_close(s);
	tmpstore_rmdir(dir);
}

/* Rows of the as-run log for play_id, read with a separate SQLite connection. */
static int
t_asrun_rows(const char *dir, const char *play_id)
{
	char db[PATH_MAX];
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	int n = -1;

	snprintf(db, sizeof(db), "%s/loaxa.db", dir);
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, "SELECT count(*) FROM asrun WHERE play_id = ?", -1, &st,
	    NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, play_id, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

static void
test_event_asrun_and_open_plays(void)
{
	char dir[64];
	struct store *s;
	struct asrun_rec r = { "phát-1", "started", 1767225600, "{\"e\":\"started\"}", 0 };
	char **ids = NULL;
	size_t n = 0;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "store") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	if (s == NULL)
		return;
	T_EQ_INT(store_open_plays(s, &ids, &n), 0);
	T_EQ_INT(n, 0);
	store_strings_free(ids, n);

	T_EQ_INT(store_event_add(s, &r, "loaxa/xa-1/asrun"), 0);
	T_EQ_INT(t_asrun_rows(dir, "phát-1"), 1);
	T_EQ_INT(store_outbox_count(s), 1);
	r.play_id = "phát-2";
	T_EQ_INT(store_event_add(s, &r, "loaxa/xa-1/asrun"), 0);
	r.play_id = "phát-3";
	T_EQ_INT(store_event_add(s, &r, "loaxa/xa-1/asrun"), 0);
	T_EQ_INT(store_open_plays(s, &ids, &n), 0);
	T_EQ_INT(n, 3);
	if (n == 3) {
		T_EQ_STR(ids[0], "phát-1");
		T_EQ_STR(ids[1], "phát-2");
		T_EQ_STR(ids[2], "phát-3");
	}
	store_strings_free(ids, n);

	r.play_id = "phát-1";
	r.event = "finished";
	T_EQ_INT(store_event_add(s, &r, "loaxa/xa-1/asrun"), 0);
	r.play_id = "phát-3";
	r.event = "progress";	/* not an end record: the play stays open */
	T_EQ_INT(store_event_add(s, &r, "loaxa/xa-1/asrun"), 0);
	T_EQ_INT(t_asrun_rows(dir, "phát-1"), 2);
	T_EQ_INT(store_outbox_count(s), 5);
	store_close(s);

	/* After a restart the daemon still finds the plays it must close. */
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	if (s == NULL)
		return;
	T_EQ_INT(store_open_plays(s, &ids, &n), 0);
	T_EQ_INT(n, 2);
	if (n == 2) {
		T_EQ_STR(ids[0], "phát-2");
		T_EQ_STR(ids[1], "phát-3");
	}
	store_strings_free(ids, n);
	r.play_id = "phát-2";
	r.event = "interrupted";
	T_EQ_INT(store_event_add(s, &r, "loaxa/xa-1/asrun"), 0);
	r.play_id = "phát-3";
	r.event = "failed";
	T_EQ_INT(store_event_add(s, &r, "loaxa/xa-1/asrun"), 0);
	T_EQ_INT(store_open_plays(s, &ids, &n), 0);
	T_EQ_INT(n, 0);
	store_strings_free(ids, n);
	r.json = NULL;
	T_EQ_INT(store_event_add(s, &r, "loaxa/xa-1/asrun"), -EINVAL);
	T_EQ_INT(store_outbox_count(s), 7);
	T_EQ_INT(t_asrun_rows(dir, "phát-3"), 3);	/* started, progress, failed */
	store_close(s);
	tmpstore_rmdir(dir);
}

static void
test_kv(void)
{
	char dir[64], buf[64];
	struct store *s;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "store") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	if (s == NULL)
		return;
	T_EQ_INT(store_kv_get(s, "sched.cursor", buf, sizeof(buf)), -ENOENT);
	T_EQ_INT(store_kv_set(s, "sched.cursor", "1767225600"), 0);
	T_EQ_INT(store_kv_get(s, "sched.cursor", buf, sizeof(buf)), 0);
	T_EQ_STR(buf, "1767225600");
	T_EQ_INT(store_kv_set(s, "sched.cursor", "1767229200"), 0);
	T_EQ_INT(store_kv_get(s, "sched.cursor", buf, sizeof(buf)), 0);
	T_EQ_STR(buf, "1767229200");
	T_EQ_INT(store_kv_set(s, "tên xã", "Xã Hòa Bình"), 0);
	/* "Xã Hòa Bình" is 14 bytes in UTF-8: 15 with its terminator. */
	T_EQ_INT(store_kv_get(s, "tên xã", buf, 14), -ENOSPC);
	T_EQ_INT(store_kv_get(s, "tên xã", buf, 15), 0);
	T_EQ_STR(buf, "Xã Hòa Bình");
	store_close(s);

	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	if (s == NULL)
		return;
	T_EQ_INT(store_kv_get(s, "sched.cursor", buf, sizeof(buf)), 0);
	T_EQ_STR(buf, "1767229200");
	store_close(s);
	tmpstore_rmdir(dir);
}

/* The database really is in WAL mode, at the schema version, from outside. */
static void
test_schema_from_outside(void)
{
	char dir[64], db[PATH_MAX];
	struct store *s;
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "store") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	store_close(s);
	snprintf(db, sizeof(db), "%s/loaxa.db", dir);
	T_EQ_INT(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	T_EQ_INT(sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	T_EQ_INT(sqlite3_step(st), SQLITE_ROW);
	T_EQ_STR((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	T_EQ_INT(sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
	T_EQ_INT(sqlite3_step(st), SQLITE_ROW);
	T_ASSERT(sqlite3_column_int(st, 0) >= 2);	/* versions are added by later issues */
	sqlite3_finalize(st);
	sqlite3_close(h);
	tmpstore_rmdir(dir);
}

static void t_damage_root(const char *db, const char *table);

/* dir/loaxa.db as loaxad wrote it at schema 3 (before tags), with one queued priority item. */
static void
t_schema3(const char *dir)
{
	char db[PATH_MAX];
	sqlite3 *h = NULL;

	snprintf(db, sizeof(db), "%s/loaxa.db", dir);
	T_EQ_INT(sqlite3_open(db, &h), SQLITE_OK);
	T_EQ_INT(sqlite3_exec(h,
	    "CREATE TABLE queue (id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL,"
	    " name TEXT NOT NULL, title TEXT, sha256 TEXT NOT NULL, at INTEGER NOT NULL,"
	    " created INTEGER NOT NULL, class INTEGER NOT NULL DEFAULT 0,"
	    " rank INTEGER NOT NULL DEFAULT 0);"
	    "CREATE TABLE asrun (seq INTEGER PRIMARY KEY AUTOINCREMENT, play_id TEXT NOT NULL,"
	    " event TEXT NOT NULL, at INTEGER NOT NULL, json TEXT NOT NULL);"
	    "CREATE INDEX asrun_play ON asrun(play_id);"
	    "CREATE INDEX asrun_at ON asrun(at);"
	    "CREATE TABLE open_play (seq INTEGER PRIMARY KEY, play_id TEXT NOT NULL UNIQUE);"
	    "CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL,"
	    " payload TEXT NOT NULL, kind INTEGER NOT NULL DEFAULT 0);"
	    "CREATE INDEX outbox_kind ON outbox(kind, seq);"
	    "CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	    "INSERT INTO queue(path, name, title, sha256, at, created, class, rank) VALUES"
	    " ('/var/lib/loaxa/bulletins/x.opus', 'cũ.opus', 'Bản tin cũ', '" SHA_A_TEXT "',"
	    " 0, 1767225600, 1, 0);"
	    "INSERT INTO asrun(play_id, event, at, json) VALUES ('old-1', 'finished', 1767225600,"
	    " '{\"event\":\"finished\"}');"
	    "INSERT INTO kv(key, value) VALUES ('mute', '1795334400 0 uid 1000');"
	    "PRAGMA user_version=3;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

/*
 * A database an older loaxad wrote (schema 3, before tags) opens, keeps its
 * queued items, untagged, and takes tagged ones from then on.
 */
static void
test_queue_tags_after_migration(void)
{
	char dir[64];
	struct store *s;
	struct queue_item a, *v = NULL;
	size_t n = 0;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "store") == 0);
	t_schema3(dir);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	if (s == NULL)
		return;
	a = t_item("mới.opus", "Bản tin mới", SHA_B, 0);
	a.tags = (char *)"[\"giam-ngheo\",\"Nông thôn mới\"]";
	T_EQ_INT(store_queue_add(s, &a), 0);
	store_close(s);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	if (s == NULL)
		return;
	T_EQ_INT(store_queue_list(s, &v, &n), 0);
	T_EQ_INT(n, 2);
	if (n == 2) {
		T_EQ_STR(v[0].name, "cũ.opus");
		T_EQ_INT(v[0].cls, 1);
		T_ASSERT(v[0].tags == NULL);
		T_EQ_STR(v[1].name, "mới.opus");
		T_EQ_STR(v[1].tags, "[\"giam-ngheo\",\"Nông thôn mới\"]");
	}
	store_queue_free(v, n);
	store_close(s);
	tmpstore_rmdir(dir);
}

/*
 * A schema-3 database found damaged by the first loaxad that knows tags is
 * never migrated: its queue is salvaged all the same (the tags column it does
 * not have is left empty), with the small values.
 */
static void
test_damaged_old_schema_salvaged(void)
{
	char dir[64], db[PATH_MAX], value[64];
	struct queue_item *v = NULL;
	struct errlist errs;
	struct store *s;
	size_t n = 0;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "store") == 0);
	t_schema3(dir);
	snprintf(db, sizeof(db), "%s/loaxa.db", dir);
	t_damage_root(db, "asrun");
	errlist_init(&errs);
	s = store_open(dir, &errs);
	errlist_print(&errs, "  ", stderr);
	T_ASSERT(s != NULL && store_recovery(s) != NULL);
	if (s != NULL) {
		T_EQ_INT(store_queue_list(s, &v, &n), 0);
		T_EQ_INT(n, 1);
		if (n == 1) {
			T_EQ_STR(v[0].title, "Bản tin cũ");
			T_EQ_INT(v[0].cls, 1);
			T_ASSERT(v[0].tags == NULL);
		}
		store_queue_free(v, n);
		T_EQ_INT(store_kv_get(s, "mute", value, sizeof(value)), 0);
	}
	errlist_clear(&errs);
	store_close(s);
	tmpstore_rmdir(dir);
}

static void
test_open_unwritable(void)
{
	char dir[64], bad[128];
	struct errlist errs;
	struct store *s;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "store") == 0);
	if (geteuid() == 0) {
		snprintf(bad, sizeof(bad), "/etc/passwd/x");	/* root may write anywhere else */
	} else {
		snprintf(bad, sizeof(bad), "%s/chỉ đọc", dir);
		T_EQ_INT(mkdir(bad, 0500), 0);
		snprintf(bad, sizeof(bad), "%s/chỉ đọc/trạng thái", dir);
	}
	errlist_init(&errs);
	s = store_open(bad, &errs);
	T_ASSERT(s == NULL);
	T_EQ_INT(errlist_count(&errs), 1);
	if (errs.n == 1) {
		T_CONTAINS(errs.msg[0], "cannot create the state directory");
		T_CONTAINS(errs.msg[0], bad);
		T_CONTAINS(errs.msg[0], "writable");
	}
	errlist_clear(&errs);
	store_close(s);
	tmpstore_rmdir(dir);
}

static void
test_open_damaged(void)
{
	char dir[64], db[PATH_MAX];
	struct errlist errs;
	struct store *s;
	FILE *fp;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "store") == 0);
	snprintf(db, sizeof(db), "%s/loaxa.db", dir);
	T_ASSERT((fp = fopen(db, "w")) != NULL);
	if (fp != NULL) {
		for (int i = 0; i < 512; i++)
			fputs("this is not a database, it is a bulletin list ", fp);
		fclose(fp);
	}
	/* Before, the station would not start at all; now it starts on a fresh database. */
	errlist_init(&errs);
	s = store_open(dir, &errs);
	T_ASSERT(s != NULL);
	T_EQ_INT(errlist_count(&errs), 0);
	T_ASSERT(s != NULL && store_recovery(s) != NULL);
	if (s != NULL && store_recovery(s) != NULL) {
		struct stat st;

		T_ASSERT(strncmp(store_recovery(s)->moved_to, db, strlen(db)) == 0);
		T_CONTAINS(store_recovery(s)->moved_to, ".damaged-");
		/* Kept, never deleted: the technician may want it. */
		T_ASSERT(stat(store_recovery(s)->moved_to, &st) == 0 && st.st_size == 512 * 46);
		T_EQ_INT(store_queue_count(s), 0);
	}
	errlist_clear(&errs);
	store_close(s);
	tmpstore_rmdir(dir);
}

/* Overwrites the root page of table in the (closed) database db with garbage. */
static void
t_damage_root(const char *db, const char *table)
{
	char sql[128], bad[4096];
	int64_t root = 0, page = 0;
	sqlite3_stmt *st;
	sqlite3 *raw;
	FILE *fp;

	snprintf(sql, sizeof(sql), "SELECT rootpage FROM sqlite_master WHERE name = '%s'", table);
	T_EQ_INT(sqlite3_open_v2(db, &raw, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(raw, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		root = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(raw, "PRAGMA page_size", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		page = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(raw);
	T_ASSERT(root > 1 && page > 0 && page <= (int64_t)sizeof(bad));
	memset(bad, 0xa5, sizeof(bad));
	T_ASSERT((fp = fopen(db, "r+")) != NULL);
	if (fp != NULL && root > 1 && page > 0 && page <= (int64_t)sizeof(bad)) {
		fseek(fp, (long)((root - 1) * page), SEEK_SET);
		fwrite(bad, 1, (size_t)page, fp);
	}
	if (fp != NULL)
		fclose(fp);
}

/*
 * One page damaged inside a real database, its header intact (an SD card
 * error): the station starts, and what is on the other pages is salvaged:
 * the queue, the small values (the mute among them).
 */
static void
test_damaged_page_salvaged(void)
{
	char dir[64], db[PATH_MAX];
	struct queue_item it = { .path = (char *)"/x.opus", .name = (char *)"bản tin.opus",
	    .title = (char *)"Họp dân", .at = 0 };
	struct errlist errs;
	struct store *s;
	char value[64], json[128];
	int i;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "store") == 0);
	snprintf(db, sizeof(db), "%s/loaxa.db", dir);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	if (s == NULL)
		return;
	memset(it.sha256, 'a', 64);
	for (i = 0; i < 3; i++)
		T_EQ_INT(store_queue_add(s, &it), 0);
	T_EQ_INT(store_kv_set(s, "mute", "1795334400 0 uid 1000"), 0);
	for (i = 0; i < 400; i++) {	/* an as-run log over many pages */
		struct asrun_rec r = { .event = "finished", .at = 1795334400 + i, .json = json };
		char id[32];

		snprintf(id, sizeof(id), "play-%d", i);
		snprintf(json, sizeof(json), "{\"event\":\"finished\",\"play_id\":\"%s\"}", id);
		r.play_id = id;
		T_EQ_INT(store_event_add(s, &r, "loaxa/hon-quan/tan-thanh/events"), 0);
	}
	store_close(s);			/* the last connection: the WAL goes into the file */
	t_damage_root(db, "asrun");
	errlist_init(&errs);
	s = store_open(dir, &errs);
	T_ASSERT(s != NULL && store_recovery(s) != NULL);
	T_EQ_INT(errlist_count(&errs), 0);
	if (s != NULL) {
		T_EQ_INT(store_queue_count(s), 3);
		T_EQ_INT(store_kv_get(s, "mute", value, sizeof(value)), 0);
		T_EQ_STR(value, "1795334400 0 uid 1000");
		T_ASSERT(store_recovery(s) == NULL || store_recovery(s)->lost_tables >= 1);
	}
	errlist_clear(&errs);
	store_close(s);
	tmpstore_rmdir(dir);
}

/*
 * The child adds items and writes each id to the pipe only after
 * store_queue_add returned. It never returns.
 */
static void
t_durable_child(const char *dir, int wfd)
{
	struct queue_item it;
	struct store *s;
	char line[32];
	int len;

	if ((s = tmpstore_open(dir)) == NULL)
		_exit(2);
	for (;;) {
		it = t_item("bản tin khẩn.opus", "Thông báo khẩn", SHA_A, 0);
		if (store_queue_add(s, &it) < 0)
			_exit(3);
		len = snprintf(line, sizeof(line), "%" PRId64 "\n", it.id);
		if (write(wfd, line, (size_t)len) != len)
			_exit(4);
	}
}

/* Reads the child's ids until EOF; kills it after kill_after of them. */
static size_t
t_read_ids(FILE *fp, pid_t pid, size_t kill_after, int64_t *ids, size_t max)
{
	long long id;
	size_t n = 0;

	if (kill_after == 0)
		kill(pid, SIGKILL);
	while (n < max && fscanf(fp, "%lld", &id) == 1) {
		ids[n++] = id;
		if (n == kill_after)
			kill(pid, SIGKILL);
	}
	return n;
}

/* Every id in ids[n] is in the queue; then the queue is emptied. */
static void
t_check_ids(const char *dir, const int64_t *ids, size_t n)
{
	struct queue_item *v = NULL;
	struct store *s;
	size_t i, j, m = 0;

	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	if (s == NULL)
		return;
	T_EQ_INT(store_queue_list(s, &v, &m), 0);
	for (i = 0; i < n; i++) {
		for (j = 0; j < m && v[j].id != ids[i]; j++)
			;
		if (j == m)
			fprintf(stderr, "  id %" PRId64 " was printed but is not in the queue\n", ids[i]);
		T_ASSERT(j < m);
	}
	T_ASSERT(m >= n);
	for (j = 0; j < m; j++)
		T_EQ_INT(store_queue_remove(s, v[j].id), 0);
	store_queue_free(v, m);
	store_close(s);
}

static void
test_durable_through_sigkill(void)
{
	char dir[64];
	int64_t ids[256];
	size_t n, total = 0;
	int round, p[2], status;
	pid_t pid;
	FILE *fp;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "store") == 0);
	srandom((unsigned)getpid());
	for (round = 0; round < 20; round++) {
		T_ASSERT(pipe(p) == 0);
		fflush(NULL);
		if ((pid = fork()) == 0) {
			close(p[0]);
			t_durable_child(dir, p[1]);
		}
		close(p[1]);
		T_ASSERT(pid > 0);
		fp = fdopen(p[0], "r");
		n = t_read_ids(fp, pid, (size_t)(random() % 60), ids, sizeof(ids) / sizeof(ids[0]));
		fclose(fp);
		T_ASSERT(waitpid(pid, &status, 0) == pid);
		T_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		t_check_ids(dir, ids, n);
		total += n;
	}
	T_ASSERT(total > 0);
	fprintf(stderr, "  %zu acknowledged ids checked after 20 kills\n", total);
	tmpstore_rmdir(dir);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	T_RUN(test_queue_add_list_remove);
	T_RUN(test_queue_empty_list);
	T_RUN(test_queue_survives_reopen);
	T_RUN(test_queue_bounded);
	T_RUN(test_import_checksum_and_content);
	T_RUN(test_import_twice_stores_once);
	T_RUN(test_import_too_big_leaves_nothing);
	T_RUN(test_import_offset_and_pipe);
	T_RUN(test_open_removes_unfinished_import);
	if (geteuid() == 0)
		T_RUN(test_import_disk_full);
	else
		printf("ok - test_import_disk_full # SKIP needs root to mount a small tmpfs\n");
	T_RUN(test_outbox_order_ack_reopen);
	T_RUN(test_event_asrun_and_open_plays);
	T_RUN(test_kv);
	T_RUN(test_schema_from_outside);
	T_RUN(test_queue_tags_after_migration);
	T_RUN(test_damaged_old_schema_salvaged);
	T_RUN(test_open_unwritable);
	T_RUN(test_open_damaged);
	T_RUN(test_damaged_page_salvaged);
	T_RUN(test_durable_through_sigkill);
	return T_EXIT();
}
