/*
 * Tests of the bulletin files on disk (daemon/store/bulletin_store.c) with
 * real bulletins (build/fixtures) copied into a temporary directory from
 * files, pipes and offsets; sha256sum is the independent checksum. After
 * every case, success or failure, no temporary file may be left behind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/core/log.h"
#include "daemon/store/bulletin_store.h"
#include "tests/helpers/tmpstore.h"
#include "tests/t.h"

#define F_B		"thông báo.opus"	/* 32645 bytes */
#define SIZE_B		32645
#define SHA_EMPTY	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static char g_fix[512], g_src[PATH_MAX], g_sha[65];

/* sha256sum's answer for path into hex[65]: 0 or -1. */
static int
sha256sum(const char *path, char hex[65])
{
	char cmd[PATH_MAX + 32];
	FILE *p;
	int ok;

	snprintf(cmd, sizeof(cmd), "sha256sum < '%s'", path);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	ok = fscanf(p, "%64s", hex) == 1;
	return pclose(p) == 0 && ok ? 0 : -1;
}

static int
import_path(const char *dir, const char *src, uint64_t max, char *path, size_t pathlen,
    char hex[65])
{
	int fd = open(src, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -errno;
	rc = bulletin_store_import(dir, fd, max, path, pathlen, hex);
	close(fd);
	return rc;
}

static void
test_import_a_file(void)
{
	char dir[TMPSTORE_DIR_MAX], path[PATH_MAX], want[PATH_MAX + 80], hex[65], check[65];
	struct stat st;

	T_EQ_INT(tmpstore_dir(dir, sizeof(dir), "bstore"), 0);
	T_EQ_INT(import_path(dir, g_src, 1 << 20, path, sizeof(path), hex), 0);
	T_EQ_STR(hex, g_sha);
	snprintf(want, sizeof(want), "%s/%s.opus", dir, g_sha);
	T_EQ_STR(path, want);
	/* The stored file is the same bytes, readable by the station's group only. */
	T_EQ_INT(sha256sum(path, check), 0);
	T_EQ_STR(check, g_sha);
	T_ASSERT(stat(path, &st) == 0 && st.st_size == SIZE_B && (st.st_mode & 0777) == 0640);
	T_EQ_INT(tmpstore_entries(dir, 0), 1);
	T_EQ_INT(tmpstore_entries(dir, 1), 0);
	tmpstore_rmdir(dir);
}

static void
test_import_refuses_pipes_takes_an_offset(void)
{
	char dir[TMPSTORE_DIR_MAX], path[PATH_MAX], hex[65], check[65], tail[PATH_MAX];
	int p[2], fd;

	T_EQ_INT(tmpstore_dir(dir, sizeof(dir), "bstore"), 0);
	/*
	 * A pipe whose writer never writes, and a device that never ends: refused
	 * at once, nothing read. Before, the first hung the station for good and
	 * the second copied until the size limit. alarm() turns a hang into a failure.
	 */
	T_EQ_INT(pipe2(p, O_CLOEXEC), 0);
	alarm(20);
	T_EQ_INT(bulletin_store_import(dir, p[0], 1 << 20, path, sizeof(path), hex), -EINVAL);
	close(p[0]);
	close(p[1]);
	T_EQ_INT(import_path(dir, "/dev/zero", 1 << 20, path, sizeof(path), hex), -EINVAL);
	alarm(0);
	T_EQ_INT(tmpstore_entries(dir, 1), 0);
	/* A whole regular file. */
	T_EQ_INT(import_path(dir, g_src, 1 << 20, path, sizeof(path), hex), 0);
	T_EQ_STR(hex, g_sha);
	/* From the descriptor's offset on: only the rest is stored. */
	fd = open(g_src, O_RDONLY | O_CLOEXEC);
	T_ASSERT(fd >= 0 && lseek(fd, 1000, SEEK_SET) == 1000);
	T_EQ_INT(bulletin_store_import(dir, fd, 1 << 20, path, sizeof(path), hex), 0);
	close(fd);
	snprintf(tail, sizeof(tail), "%s/tail", dir);
	{
		char cmd[2 * PATH_MAX + 64];

		snprintf(cmd, sizeof(cmd), "tail -c +1001 '%s' > '%s'", g_src, tail);
		T_EQ_INT(system(cmd), 0);
	}
	T_EQ_INT(sha256sum(tail, check), 0);
	T_EQ_STR(hex, check);
	T_ASSERT(strcmp(hex, g_sha) != 0);
	T_EQ_INT(tmpstore_entries(dir, 0), 3);	/* the whole, the rest, and tail */
	T_EQ_INT(tmpstore_entries(dir, 1), 0);
	tmpstore_rmdir(dir);
}

static void
test_empty_input(void)
{
	char dir[TMPSTORE_DIR_MAX], path[PATH_MAX], hex[65];
	struct stat st;

	char empty[TMPSTORE_DIR_MAX + 16];

	T_EQ_INT(tmpstore_dir(dir, sizeof(dir), "bstore"), 0);
	snprintf(empty, sizeof(empty), "%s/empty", dir);
	T_EQ_INT(tmpstore_write(dir, "empty", ""), 0);
	T_EQ_INT(import_path(dir, empty, 1 << 20, path, sizeof(path), hex), 0);
	T_EQ_STR(hex, SHA_EMPTY);
	T_ASSERT(stat(path, &st) == 0 && st.st_size == 0);
	tmpstore_rmdir(dir);
}

static void
test_size_limit(void)
{
	char dir[TMPSTORE_DIR_MAX], path[PATH_MAX], hex[65];

	T_EQ_INT(tmpstore_dir(dir, sizeof(dir), "bstore"), 0);
	/* One byte more than allowed: refused, nothing left, not even a temporary file. */
	T_EQ_INT(import_path(dir, g_src, SIZE_B - 1, path, sizeof(path), hex), -EFBIG);
	T_EQ_INT(tmpstore_entries(dir, 0), 0);
	/* Exactly the limit is fine. */
	T_EQ_INT(import_path(dir, g_src, SIZE_B, path, sizeof(path), hex), 0);
	T_EQ_STR(hex, g_sha);
	T_EQ_INT(tmpstore_entries(dir, 0), 1);
	tmpstore_rmdir(dir);
}

static void
test_already_stored_is_kept(void)
{
	char dir[TMPSTORE_DIR_MAX], path[PATH_MAX], path2[PATH_MAX], hex[65], hex2[65];
	struct stat a, b;

	T_EQ_INT(tmpstore_dir(dir, sizeof(dir), "bstore"), 0);
	T_EQ_INT(import_path(dir, g_src, 1 << 20, path, sizeof(path), hex), 0);
	T_ASSERT(stat(path, &a) == 0);
	T_EQ_INT(import_path(dir, g_src, 1 << 20, path2, sizeof(path2), hex2), 0);
	T_EQ_STR(path2, path);
	T_EQ_STR(hex2, hex);
	/* The same file, not a copy renamed over it: a player may have it open. */
	T_ASSERT(stat(path, &b) == 0 && a.st_ino == b.st_ino);
	T_EQ_INT(tmpstore_entries(dir, 0), 1);
	tmpstore_rmdir(dir);
}

static void
test_rotted_copy_is_replaced(void)
{
	char dir[TMPSTORE_DIR_MAX], path[PATH_MAX], hex[65], check[65];
	struct stat a, b;
	int fd;

	T_EQ_INT(tmpstore_dir(dir, sizeof(dir), "bstore"), 0);
	T_EQ_INT(import_path(dir, g_src, 1 << 20, path, sizeof(path), hex), 0);
	/* A bit flipped on the SD card, under the same name. */
	fd = open(path, O_WRONLY | O_CLOEXEC);
	T_ASSERT(fd >= 0 && pwrite(fd, "X", 1, 5000) == 1);
	close(fd);
	T_ASSERT(stat(path, &a) == 0);
	T_EQ_INT(import_path(dir, g_src, 1 << 20, path, sizeof(path), hex), 0);
	T_EQ_INT(sha256sum(path, check), 0);
	T_EQ_STR(check, g_sha);
	T_ASSERT(stat(path, &b) == 0 && a.st_ino != b.st_ino);
	T_EQ_INT(tmpstore_entries(dir, 0), 1);
	tmpstore_rmdir(dir);
}

static void
test_failures_leave_nothing(void)
{
	char dir[TMPSTORE_DIR_MAX], missing[TMPSTORE_DIR_MAX + 16], path[PATH_MAX], hex[65];
	char shortpath[40];

	T_EQ_INT(tmpstore_dir(dir, sizeof(dir), "bstore"), 0);
	/* The caller's buffer cannot hold the name. */
	T_EQ_INT(import_path(dir, g_src, 1 << 20, shortpath, sizeof(shortpath), hex),
	    -ENAMETOOLONG);
	T_EQ_INT(tmpstore_entries(dir, 0), 0);
	/* No such directory. */
	snprintf(missing, sizeof(missing), "%s/không", dir);
	T_EQ_INT(import_path(missing, g_src, 1 << 20, path, sizeof(path), hex), -ENOENT);
	/* A descriptor that cannot be read (a directory). */
	{
		int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		T_ASSERT(bulletin_store_import(dir, fd, 1 << 20, path, sizeof(path), hex) < 0);
		close(fd);
	}
	T_EQ_INT(tmpstore_entries(dir, 0), 0);
	tmpstore_rmdir(dir);
}

static void
test_cleanup_removes_only_unfinished_copies(void)
{
	char dir[TMPSTORE_DIR_MAX], path[PATH_MAX], hex[65], missing[TMPSTORE_DIR_MAX + 16];

	T_EQ_INT(tmpstore_dir(dir, sizeof(dir), "bstore"), 0);
	T_EQ_INT(import_path(dir, g_src, 1 << 20, path, sizeof(path), hex), 0);
	/* What a power cut in the middle of two imports leaves, and files that are not ours to remove. */
	T_EQ_INT(tmpstore_write(dir, ".import-AbC123", "half a bulletin"), 0);
	T_EQ_INT(tmpstore_write(dir, ".import-zZ9yY8", ""), 0);
	T_EQ_INT(tmpstore_write(dir, ".importantes", "not a temporary file"), 0);
	T_EQ_INT(tmpstore_write(dir, "ghi chú.txt", "operator's note"), 0);
	T_EQ_INT(tmpstore_entries(dir, 0), 5);
	bulletin_store_cleanup(dir);
	T_EQ_INT(tmpstore_entries(dir, 0), 3);
	T_ASSERT(access(path, F_OK) == 0);
	snprintf(path, sizeof(path), "%s/.importantes", dir);
	T_ASSERT(access(path, F_OK) == 0);
	snprintf(path, sizeof(path), "%s/.import-AbC123", dir);
	T_ASSERT(access(path, F_OK) == -1);
	/* Again: nothing to do. On a directory that is not there: only a warning. */
	bulletin_store_cleanup(dir);
	T_EQ_INT(tmpstore_entries(dir, 0), 3);
	snprintf(missing, sizeof(missing), "%s/không", dir);
	bulletin_store_cleanup(missing);
	tmpstore_rmdir(dir);
}

int
main(void)
{
	const char *fix = getenv("LOAXA_FIXTURES");

	log_init("test_bulletin_store", 1, 0);
	snprintf(g_fix, sizeof(g_fix), "%s", fix != NULL ? fix : "build/fixtures");
	snprintf(g_src, sizeof(g_src), "%s/%s", g_fix, F_B);
	if (sha256sum(g_src, g_sha) < 0) {
		printf("not ok - the fixture %s can be read\n", g_src);
		return 1;
	}
	T_RUN(test_import_a_file);
	T_RUN(test_import_refuses_pipes_takes_an_offset);
	T_RUN(test_empty_input);
	T_RUN(test_size_limit);
	T_RUN(test_already_stored_is_kept);
	T_RUN(test_rotted_copy_is_replaced);
	T_RUN(test_failures_leave_nothing);
	T_RUN(test_cleanup_removes_only_unfinished_copies);
	return T_EXIT();
}
