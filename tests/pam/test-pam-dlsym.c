/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * pam_sclogin.so loads with RTLD_NOW (no undefined symbols), exports the
 * pam_sm_* entry points and nothing else: every defined global symbol in
 * .dynsym is checked.
 */
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const entry[] = {
	"pam_sm_authenticate", "pam_sm_setcred", "pam_sm_acct_mgmt",
	"pam_sm_open_session", "pam_sm_close_session", "pam_sm_chauthtok",
};

static int
check_dynsym(const char *path)
{
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	struct stat st;
	uint8_t *m;
	size_t i, j;
	int fd, bad = 0, exported = 0;

	if ((fd = open(path, O_RDONLY)) < 0 || fstat(fd, &st) < 0) {
		perror(path);
		return 1;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED || (size_t)st.st_size < sizeof(*eh))
		return 1;
	eh = (const Elf64_Ehdr *)m;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff + (size_t)eh->e_shnum * sizeof(*sh) >
	    (size_t)st.st_size) {
		fprintf(stderr, "%s: not a 64-bit ELF\n", path);
		return 1;
	}
	sh = (const Elf64_Shdr *)(m + eh->e_shoff);
	for (i = 0; i < eh->e_shnum; i++) {
		const Elf64_Sym *sym;
		const char *str;

		if (sh[i].sh_type != SHT_DYNSYM || sh[i].sh_link >= eh->e_shnum)
			continue;
		sym = (const Elf64_Sym *)(m + sh[i].sh_offset);
		str = (const char *)(m + sh[sh[i].sh_link].sh_offset);
		for (j = 0; j < sh[i].sh_size / sizeof(*sym); j++) {
			const char *name = str + sym[j].st_name;
			unsigned bind = ELF64_ST_BIND(sym[j].st_info);

			if (sym[j].st_shndx == SHN_UNDEF ||
			    (bind != STB_GLOBAL && bind != STB_WEAK))
				continue;
			if (strncmp(name, "pam_sm_", 7) == 0) {
				exported++;
				continue;
			}
			fprintf(stderr, "exported but should not be: %s\n",
			    name);
			bad = 1;
		}
	}
	munmap(m, (size_t)st.st_size);
	if (exported != (int)(sizeof(entry) / sizeof(entry[0]))) {
		fprintf(stderr, "%d pam_sm_* exported, want %zu\n", exported,
		    sizeof(entry) / sizeof(entry[0]));
		bad = 1;
	}
	return bad;
}

int
main(int argc, char **argv)
{
	void *h;
	size_t i;
	int bad = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s pam_sclogin.so\n", argv[0]);
		return 2;
	}
	if ((h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 1;
	}
	for (i = 0; i < sizeof(entry) / sizeof(entry[0]); i++)
		if (dlsym(h, entry[i]) == NULL) {
			fprintf(stderr, "missing %s\n", entry[i]);
			bad = 1;
		}
	if (dlsym(h, "scl_signin_scan") != NULL ||
	    dlsym(h, "scl_pam_from_err") != NULL ||
	    dlsym(h, "scl_err_name") != NULL) {
		fprintf(stderr, "internal symbols are visible\n");
		bad = 1;
	}
	dlclose(h);
	bad |= check_dynsym(argv[1]);
	if (!bad)
		printf("ok: only pam_sm_* exported\n");
	return bad;
}
