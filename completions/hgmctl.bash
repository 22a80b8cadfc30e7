# SPDX-License-Identifier: GPL-2.0-or-later
# hgmctl.bash - bash completion for hgmctl(8): commands, options, columns, PIDs.

_hgmctl_commands='status maps demo'
_hgmctl_global_opts='-J --json -r --raw -o --output -n --no-headings -b --bytes
	--root -v --verbose -V --version -h --help'
_hgmctl_demo_opts='--hugetlb --page-size --thp --hold'
_hgmctl_status_cols='SIZE NODE TOTAL FREE RESERVED SURPLUS OVERCOMMIT'
_hgmctl_maps_cols='START END KIND PSIZE PUD PMD PTE RSS FLAGS NAME'

# Complete a comma-separated column list in $1 (optionally starting with
# "+") for command $2; $3 is a fixed prefix of the word, such as "-o".
_hgmctl_complete_columns()
{
	local cur=$1 cmd=$2 fixed=$3 cols pre frag col listed left=

	case $cmd in
	status)	cols=$_hgmctl_status_cols ;;
	maps|demo) cols=$_hgmctl_maps_cols ;;
	*)	cols="$_hgmctl_status_cols $_hgmctl_maps_cols" ;;
	esac

	pre=
	frag=$cur
	if [[ $cur == *,* ]]; then
		pre=${cur%,*},
		frag=${cur##*,}
	elif [[ $cur == +* ]]; then
		pre=+
		frag=${cur#+}
	fi

	# Do not offer a column that the list already names.
	listed=",${pre#+},"
	for col in $cols; do
		[[ ${listed^^} == *",$col,"* ]] || left+=" $col"
	done

	compopt -o nospace 2>/dev/null
	COMPREPLY=($(compgen -P "$fixed$pre" -W "$left" -- "${frag^^}"))
}

# Complete the PIDs found under $2/proc (the live /proc when $2 is empty).
_hgmctl_complete_pids()
{
	local cur=$1 root=$2 d pids='self'

	[[ $root == '~'/* ]] && root=$HOME/${root#'~'/}
	for d in "$root"/proc/[0-9]*; do
		d=${d##*/}
		[[ $d =~ ^[0-9]+$ ]] && pids+=" $d"
	done
	COMPREPLY=($(compgen -W "$pids" -- "$cur"))
}

_hgmctl()
{
	local cur prev opt cmd= root= npos=0 endopts=0 skip=0 skipopt= i w

	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}

	# Find the command anywhere on the line (global options may come first
	# and "-o LIST" may be completed before the command is typed), count
	# the arguments before the cursor, and note --root.
	for ((i = 1; i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		if ((skip)); then
			# "--opt=value" arrives as "--opt" "=" "value".
			if [[ $w == = ]]; then
				continue
			fi
			skip=0
			[[ $skipopt == --root ]] && root=$w
			continue
		fi
		((i == COMP_CWORD)) && continue
		if ((!endopts)) && [[ $w == -- ]]; then
			((i < COMP_CWORD)) && endopts=1
			continue
		fi
		if ((!endopts)) && [[ $w == -?* ]]; then
			case $w in
			-o|--output|--root|--hugetlb|--page-size|--thp|-[JrnbvVh]*o)
				skip=1
				skipopt=$w
				;;
			esac
			continue
		fi
		if [[ -z $cmd ]]; then
			cmd=$w
		elif ((i < COMP_CWORD)); then
			((npos++))
		fi
	done

	# The option whose value is being completed, if any.
	opt=
	if [[ $cur == = ]]; then
		opt=$prev
		cur=
	elif ((COMP_CWORD >= 2)) && [[ $prev == = ]]; then
		opt=${COMP_WORDS[COMP_CWORD - 2]}
	elif ((!endopts)); then
		opt=$prev
	fi

	case $opt in
	-o|--output|-[JrnbvVh]*o)
		_hgmctl_complete_columns "$cur" "$cmd" ''
		return 0
		;;
	--root)
		compopt -o filenames 2>/dev/null
		local IFS=$'\n'
		COMPREPLY=($(compgen -d -- "$cur"))
		return 0
		;;
	--page-size)
		COMPREPLY=($(compgen -W '2M 1G' -- "$cur"))
		return 0
		;;
	--hugetlb|--thp)
		# A size: nothing sensible to offer.
		return 0
		;;
	-V|--version)
		return 0
		;;
	esac

	if ((!endopts)); then
		case $cur in
		-o?*)
			_hgmctl_complete_columns "${cur#-o}" "$cmd" -o
			return 0
			;;
		-*)
			local opts=$_hgmctl_global_opts
			[[ $cmd == demo ]] && opts+=" $_hgmctl_demo_opts"
			COMPREPLY=($(compgen -W "$opts" -- "$cur"))
			return 0
			;;
		esac
	fi

	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$_hgmctl_commands" -- "$cur"))
		return 0
	fi

	case $cmd in
	maps)
		((npos == 0)) && _hgmctl_complete_pids "$cur" "$root"
		;;
	esac
	return 0
}

complete -F _hgmctl hgmctl
