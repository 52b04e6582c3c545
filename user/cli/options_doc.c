/* SPDX-License-Identifier: MIT */
/*
 * Everything written about the command line, from the one switch table
 * (options.c): the -? usage text, the coretrap(1) man page and the bash
 * completion. The prose around the table (target, destination, exit codes,
 * examples) is here once and goes into both the usage and the man page, so
 * they cannot drift apart. Pure: each function writes to the FILE it gets.
 */
#include <stdio.h>
#include <string.h>

#include "cli/options_internal.h"

struct doc_item {
	const char *term;
	const char *text;
};

static const struct doc_item positionals[] = {
	{ "TARGET", "a PID, a process group id with -pgid, or a process name "
		    "(first match by lowest PID, case-insensitive; -w: exact, every match)" },
	{ "DESTINATION", "an existing directory or a path ending in '/': default names "
			 "NAME_TRIGGER_yyMMdd_HHmmss.PID there; otherwise DIR/NAME with a custom NAME: "
			 "the first dump is NAME.PID (as ProcDump writes it), the next ones NAME_1.PID, "
			 "NAME_2.PID... Default: the current directory." },
};

static const struct doc_item exit_codes[] = {
	{ "0", "success" },
	{ "1", "runtime failure (no such process, dump failed)" },
	{ "2", "usage error" },
};

static const struct doc_item examples[] = {
	{ "coretrap 1234", "dump PID 1234 now into the current directory" },
	{ "coretrap -n 3 -s 5 myapp /tmp/", "three dumps of 'myapp', 5 seconds apart" },
	{ "coretrap -c 80 -n 2 1234", "two dumps when CPU reaches 80% of one core" },
	{ "coretrap -m 500,1000 1234", "one dump at 500 MB resident, one at 1000 MB" },
	{ "coretrap -crash 1234", "a dump at the signal that would crash it, before it acts" },
	{ "coretrap -w -c 90 myservice /tmp/", "every process named myservice, now or later" },
	{ "coretrap -z zstd 1234 /tmp/", "a zstd-compressed core; then: coretrap -info FILE.zst" },
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

const char *options_example(size_t i)
{
	return i < N_OF(examples) ? examples[i].term : NULL;
}

/* "-name ARG", as the usage and the man page show a switch. */
static void switch_left(const struct opt_spec *o, char *buf, size_t len)
{
	snprintf(buf, len, "-%s%s%s", o->name, o->argname ? " " : "", o->argname ? o->argname : "");
}

/* Text from column col on, wrapped at width columns; continuation lines start at column indent. */
static void wrap(FILE *out, const char *text, int col, int indent, int width)
{
	bool line_start = true;

	while (*text) {
		size_t word = strcspn(text, " ");

		if (!line_start && col + 1 + (int)word > width) {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
			line_start = true;
		}
		if (!line_start) {
			fputc(' ', out);
			col++;
		}
		fprintf(out, "%.*s", (int)word, text);
		col += (int)word;
		line_start = false;
		text += word;
		while (*text == ' ')
			text++;
	}
	fputc('\n', out);
}

void options_usage(FILE *out)
{
	size_t n;
	const struct opt_spec *t = options_table(&n);

	fprintf(out, "Usage: coretrap [switches] TARGET [DESTINATION]\n\n"
		     "Write a core dump of TARGET now, or when a trigger fires (ProcDump-compatible).\n");
	for (size_t i = 0; i < N_OF(positionals); i++) {
		fprintf(out, "  %-13s", positionals[i].term);
		wrap(out, positionals[i].text, 15, 15, 79);
	}
	fprintf(out, "Switches are case-insensitive and start with '-' or '/'.\n");
	for (int g = 0; g < GRP__COUNT; g++) {
		fprintf(out, "\n%s:\n", options_group_title((enum opt_group)g));
		for (size_t i = 0; i < n; i++) {
			const struct opt_spec *o = &t[i];
			char left[64];

			if ((int)o->group != g || !o->help)
				continue;
			switch_left(o, left, sizeof(left));
			if (strlen(left) > 26)
				fprintf(out, "  %s\n%29s", left, "");
			else
				fprintf(out, "  %-26s ", left);
			fprintf(out, "%s%s\n", o->help, o->ready ? "" : " [not implemented yet]");
		}
	}
	fprintf(out, "\nExit status:\n");
	for (size_t i = 0; i < N_OF(exit_codes); i++)
		fprintf(out, "  %-3s %s\n", exit_codes[i].term, exit_codes[i].text);
	fprintf(out, "\nExamples:\n");
	for (size_t i = 0; i < N_OF(examples); i++) {
		if (strlen(examples[i].term) > 30)
			fprintf(out, "  %s\n%33s%s\n", examples[i].term, "", examples[i].text);
		else
			fprintf(out, "  %-30s %s\n", examples[i].term, examples[i].text);
	}
}

/* Text for roff: backslashes and minus signs escaped, a leading '.' or '\'' defused. */
static void roff(FILE *out, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
	}
}

void options_man(FILE *out, const char *version, const char *date)
{
	size_t n;
	const struct opt_spec *t = options_table(&n);

	fprintf(out, ".\\\" Generated from coretrap's switch table (user/cli/options.c); do not edit.\n"
		     ".TH CORETRAP 1 \"%s\" \"coretrap %s\" \"User Commands\"\n"
		     ".SH NAME\ncoretrap \\- write a process dump at the moment a trigger fires\n"
		     ".SH SYNOPSIS\n.B coretrap\n[\\fIswitches\\fR] \\fITARGET\\fR [\\fIDESTINATION\\fR]\n"
		     ".SH DESCRIPTION\n"
		     "coretrap watches a process and writes a dump when something goes wrong: CPU, memory,\n"
		     "thread or file-descriptor counts crossing a threshold, a signal, a crash, a .NET\n"
		     "exception or GC. Thresholds are tracked in the kernel by BPF programs, so a spike of\n"
		     "a few milliseconds is not missed and waiting costs almost nothing. Native targets get\n"
		     "an ELF core that gdb reads, written while the target keeps running (a pause of a few\n"
		     "milliseconds); .NET targets get the runtime's own dump. The command line is\n"
		     "ProcDump-compatible; switches marked \"extension\" are coretrap's own.\n"
		     "With no trigger, coretrap dumps at once, then every \\fB\\-s\\fR seconds until\n"
		     "\\fB\\-n\\fR dumps are written.\n"
		     ".PP\nSwitches are case-insensitive and start with \\(aq\\-\\(aq or \\(aq/\\(aq.\n",
		date, version);
	for (size_t i = 0; i < N_OF(positionals); i++) {
		fprintf(out, ".TP\n.I %s\n", positionals[i].term);
		roff(out, positionals[i].text);
		fputc('\n', out);
	}
	fprintf(out, ".SH OPTIONS\n");
	for (int g = 0; g < GRP__COUNT; g++) {
		fprintf(out, ".SS ");
		roff(out, options_group_title((enum opt_group)g));
		fputc('\n', out);
		for (size_t i = 0; i < n; i++) {
			const struct opt_spec *o = &t[i];

			if ((int)o->group != g || !o->help)
				continue;
			fprintf(out, ".TP\n.B \\-");
			roff(out, o->name);
			if (o->argname) {
				fputs(" \\fI", out);
				roff(out, o->argname);
				fputs("\\fR", out);
			}
			fputc('\n', out);
			roff(out, o->help);
			fputs(o->ready ? "\n" : " (not implemented yet: refused with exit status 2)\n", out);
		}
	}
	fprintf(out, ".SH EXIT STATUS\n");
	for (size_t i = 0; i < N_OF(exit_codes); i++) {
		fprintf(out, ".TP\n.B %s\n", exit_codes[i].term);
		roff(out, exit_codes[i].text);
		fputc('\n', out);
	}
	fprintf(out, ".SH EXAMPLES\n");
	for (size_t i = 0; i < N_OF(examples); i++) {
		fprintf(out, ".TP\n.B ");
		roff(out, examples[i].term);
		fputc('\n', out);
		roff(out, examples[i].text);
		fputc('\n', out);
	}
	fprintf(out, ".SH NOTES\nRequirements: x86\\-64, Linux 5.8 or later with BTF\n"
		     "(\\fI/sys/kernel/btf/vmlinux\\fR), root (or the target's uid for plain dumps).\n"
		     "The full documentation is in\n"
		     ".I /usr/share/doc/coretrap/README.md\n"
		     "and the project's docs/ directory.\n"
		     ".SH SEE ALSO\n.BR gdb (1),\n.BR core (5),\n.BR proc (5),\n.BR signal (7)\n");
}

/* The word list of a switch's value, space-separated, for compgen -W. */
static void words_of(FILE *out, const char *words)
{
	for (; *words; words++)
		fputc(*words == '|' ? ' ' : *words, out);
}

/* How many arguments follow a switch: 0, 1 or 2; an optional word is 0 here (never required). */
static int value_count(const struct opt_spec *o)
{
	switch (o->arg) {
	case ARG_NONE:
	case ARG_OPT_WORD:
	case ARG_OPT_COUNT:
		return 0;
	case ARG_COUNTER:
		return 2;
	default:
		return 1;
	}
}

void options_completion_bash(FILE *out)
{
	size_t n;
	const struct opt_spec *t = options_table(&n);

	fprintf(out, "# bash completion for coretrap -*- shell-script -*-\n"
		     "# Generated from coretrap's switch table (user/cli/options.c); do not edit.\n"
		     "_coretrap()\n{\n"
		     "    local cur prev words cword i positional=0 waiting=0\n"
		     "    cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
		     "    prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
		     "    COMPREPLY=()\n");
	/* the value of the switch just typed */
	fprintf(out, "    case \"${prev,,}\" in\n");
	for (size_t i = 0; i < n; i++) {
		const struct opt_spec *o = &t[i];

		if (o->words && (o->arg == ARG_WORD || o->arg == ARG_OPT_WORD)) {
			fprintf(out, "    -%s)\n        COMPREPLY=($(compgen -W \"", o->name);
			words_of(out, o->words);
			fprintf(out, "\" -- \"$cur\"))\n");
			/* an optional word may also be left out: then the target follows */
			fprintf(out, o->arg == ARG_OPT_WORD ? "        [ ${#COMPREPLY[@]} -gt 0 ] && return ;;\n"
							    : "        return ;;\n");
		} else if (o->arg == ARG_SIGNALS) {
			/* a comma list: complete the item after the last comma */
			fprintf(out, "    -%s)\n"
				     "        local head=\"\" item=\"$cur\"\n"
				     "        [[ \"$cur\" == *,* ]] && head=\"${cur%%,*},\" && item=\"${cur##*,}\"\n"
				     "        COMPREPLY=($(compgen -P \"$head\" -W \"$(compgen -A signal | sed 's/^SIG//')\" "
				     "-- \"${item^^}\"))\n"
				     "        return ;;\n",
				o->name);
		} else if (value_count(o) > 0) {
			fprintf(out, "    -%s) return ;;  # %s\n", o->name, o->argname ? o->argname : "a value");
		}
	}
	fprintf(out, "    esac\n");
	/* the second argument of a two-value switch (-pc NAME VALUE) */
	fprintf(out, "    if [ \"$COMP_CWORD\" -ge 2 ]; then\n"
		     "        case \"${COMP_WORDS[COMP_CWORD-2],,}\" in\n");
	for (size_t i = 0; i < n; i++)
		if (value_count(&t[i]) == 2)
			fprintf(out, "        -%s) return ;;\n", t[i].name);
	fprintf(out, "        esac\n    fi\n");
	/* switches */
	fprintf(out, "    if [[ \"$cur\" == -* ]]; then\n        COMPREPLY=($(compgen -W \"");
	for (size_t i = 0; i < n; i++)
		if (t[i].help)
			fprintf(out, "%s-%s", i ? " " : "", t[i].name);
	fprintf(out, " --help --version\" -- \"$cur\"))\n        return\n    fi\n");
	/* count the positionals before the cursor, skipping switch values */
	fprintf(out, "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
		     "        case \"${COMP_WORDS[i],,}\" in\n"
		     "        -w) waiting=1 ;;\n");
	for (int k = 1; k <= 2; k++) {
		bool any = false;

		for (size_t i = 0; i < n; i++) {
			if (value_count(&t[i]) != k)
				continue;
			fprintf(out, "%s-%s", any ? "|" : "        ", t[i].name);
			any = true;
		}
		if (any)
			fprintf(out, ") ((i += %d)) ;;\n", k);
	}
	fprintf(out, "        -*) ;;\n"
		     "        *) ((positional++)) ;;\n"
		     "        esac\n"
		     "    done\n");
	/* TARGET: process names with -w, else PIDs and names; DESTINATION: directories */
	fprintf(out, "    if [ \"$positional\" -eq 0 ]; then\n"
		     "        local names\n"
		     "        names=$(cat /proc/[0-9]*/comm 2>/dev/null | sort -u)\n"
		     "        if [ \"$waiting\" -eq 1 ]; then\n"
		     "            COMPREPLY=($(compgen -W \"$names\" -- \"$cur\"))\n"
		     "        else\n"
		     "            local pids\n"
		     "            pids=$(cd /proc && compgen -G '[0-9]*')\n"
		     "            COMPREPLY=($(compgen -W \"$pids $names\" -- \"$cur\"))\n"
		     "        fi\n"
		     "    elif [ \"$positional\" -eq 1 ]; then\n"
		     "        COMPREPLY=($(compgen -d -S / -- \"$cur\"))\n"
		     "        compopt -o nospace 2>/dev/null\n"
		     "    fi\n"
		     "}\n"
		     "complete -F _coretrap coretrap\n");
}
