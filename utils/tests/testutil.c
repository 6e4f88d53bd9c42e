#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "testutil.h"

const char *utils_dir(void)
{
	const char *dir = getenv("SCOUTFS_UTILS_DIR");

	return dir && dir[0] ? dir : ".";
}

char *utils_path(const char *rel)
{
	char *path;

	if (asprintf(&path, "%s/%s", utils_dir(), rel) < 0)
		tap_bail("out of memory");
	return path;
}

static char *read_fd(int fd, size_t *len_ret)
{
	size_t alloc = 4096;
	size_t len = 0;
	char *buf = malloc(alloc);
	ssize_t r;

	if (!buf)
		return NULL;
	for (;;) {
		if (len + 1 >= alloc) {
			char *n = realloc(buf, alloc * 2);

			if (!n) {
				free(buf);
				return NULL;
			}
			buf = n;
			alloc *= 2;
		}
		r = read(fd, buf + len, alloc - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	if (len_ret)
		*len_ret = len;
	return buf;
}

char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf;
	int err;

	if (fd < 0)
		return NULL;
	buf = read_fd(fd, len);
	err = errno;
	close(fd);
	errno = err;
	return buf;
}

char *write_temp(const void *data, size_t len)
{
	const char *dir = getenv("TMPDIR");
	char *path;
	size_t off = 0;
	ssize_t w;
	int fd;

	if (asprintf(&path, "%s/scoutfs-test-XXXXXX", dir && dir[0] ? dir : "/tmp") < 0)
		tap_bail("out of memory");
	fd = mkstemp(path);
	if (fd < 0)
		tap_bail("mkstemp %s: %s", path, strerror(errno));
	while (off < len) {
		w = write(fd, (const char *)data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			tap_bail("write %s: %s", path, strerror(errno));
		off += (size_t)w;
	}
	close(fd);
	return path;
}

void remove_temp(char *path)
{
	if (path)
		unlink(path);
	free(path);
}

size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

static int temp_fd(void)
{
	char *path = write_temp("", 0);
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		tap_bail("open %s: %s", path, strerror(errno));
	remove_temp(path);
	return fd;
}

void run_scoutfs(struct run_result *res, const char *input, const char *const *args)
{
	const char *bin = getenv("SCOUTFS_BIN");
	char desc[256] = "scoutfs";
	const char **argv;
	size_t nr = 0;
	size_t i;
	int out_fd;
	int err_fd;
	int in_fd;
	int status;
	pid_t pid;

	if (!bin || !bin[0])
		tap_bail("SCOUTFS_BIN must name the scoutfs binary to test");

	while (args[nr])
		nr++;
	argv = calloc(nr + 2, sizeof(*argv));
	if (!argv)
		tap_bail("out of memory");
	argv[0] = bin;
	for (i = 0; i < nr; i++) {
		argv[i + 1] = args[i];
		if (strlen(desc) + strlen(args[i]) + 2 < sizeof(desc)) {
			strcat(desc, " ");
			strcat(desc, args[i]);
		}
	}

	out_fd = temp_fd();
	err_fd = temp_fd();
	if (input) {
		char *path = write_temp(input, strlen(input));

		in_fd = open(path, O_RDONLY | O_CLOEXEC);
		remove_temp(path);
	} else {
		in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	if (in_fd < 0)
		tap_bail("can't open stdin for the child: %s", strerror(errno));

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (pid == 0) {
		if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
			_exit(126);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			tap_bail("waitpid: %s", strerror(errno));
	}

	if (WIFEXITED(status))
		res->status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		res->status = 128 + WTERMSIG(status);
	else
		res->status = -1;

	lseek(out_fd, 0, SEEK_SET);
	lseek(err_fd, 0, SEEK_SET);
	res->out = read_fd(out_fd, NULL);
	res->err = read_fd(err_fd, NULL);
	if (!res->out || !res->err)
		tap_bail("reading the output of %s failed", desc);
	close(out_fd);
	close(err_fd);
	close(in_fd);
	free(argv);

	tap_ok(res->status < 126 && !strstr(res->err, "Sanitizer") &&
	       !strstr(res->err, "runtime error:"),
	       "%s: ran cleanly (status %d)", desc, res->status);
	if (res->status >= 126 || strstr(res->err, "Sanitizer") ||
	    strstr(res->err, "runtime error:"))
		tap_diag("stderr:\n%s", res->err);
}

void run_result_free(struct run_result *res)
{
	free(res->out);
	free(res->err);
	res->out = NULL;
	res->err = NULL;
}

static uint64_t rng_state = 1;

void test_rng_seed(uint64_t dflt, const char *env)
{
	const char *seed = getenv(env);

	rng_state = dflt;
	if (seed && *seed)
		rng_state = strtoull(seed, NULL, 0) * 0x9e3779b97f4a7c15ULL +
			    0x2545f4914f6cdd1dULL;
	if (rng_state == 0)
		rng_state = 1;
	tap_diag("random seed %#llx (set %s to repeat)",
		 (unsigned long long)rng_state, env);
}

uint64_t test_rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}
