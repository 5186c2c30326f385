/**
 * The Debian packages whose man pages make the man page sets: core tools, system and network
 * daemons, mail and printing, X11, and library development and documentation packages with
 * many section 3 pages. Packages absent from the archive are skipped (and named in the log).
 */
export const MAN_PACKAGES = `
manpages manpages-dev libssl-doc perl-doc libx11-doc libxcb-doc tcl8.6-doc tk8.6-doc tcllib libncurses-dev
git-man coreutils util-linux systemd iproute2 procps openssh-client openssh-server postfix lvm2 mdadm
e2fsprogs xfsprogs btrfs-progs nftables iptables libvirt-clients imagemagick-6.q16 graphicsmagick mutt
exim4-base dovecot-core samba nfs-common cups-client cups-daemon sane-utils libsane1 x11-apps x11-utils
x11-xserver-utils libpcap0.8-dev libbsd-dev libcurl4-doc libpam-doc libpam0g-dev libsystemd-dev libselinux1-dev
libsemanage-dev selinux-utils libaudit-dev libcap-dev libseccomp-dev libzmq3-dev libfuse3-dev liburing-dev
postgresql-client-15 postgresql-doc-15 openmpi-doc mpich-doc libfabric-dev librdmacm-dev libibverbs-dev netpbm
graphviz nmh inn2 heimdal-clients krb5-user ldap-utils slapd libldap-dev erlang-manpages tmux zsh-common bash
findutils grep sed tar gzip bzip2 xz-utils zstd diffutils patch make binutils gcc-12 cpp-12 gdb strace ltrace
valgrind rsync curl wget openssl gnupg gpgsm dirmngr gpg-agent sudo login passwd adduser dpkg dpkg-dev apt
debianutils devscripts debhelper lintian reportbug man-db groff-base groff mandoc texinfo xserver-xorg-core
xserver-xorg-input-libinput xserver-xorg-video-all libxt-dev libxmu-dev libxext-dev libxi-dev libxrandr-dev
libxrender-dev libxft-dev libxkbfile-dev libxaw7-dev libxtst-dev libxfixes-dev libxcursor-dev libxinerama-dev
libxv-dev libxpm-dev libxss-dev libxcomposite-dev libxdamage-dev libxxf86vm-dev libsdl2-doc libsndfile1-dev
alsa-utils pulseaudio bluez network-manager wpasupplicant hostapd isc-dhcp-client dnsmasq-base bind9
bind9-dnsutils bind9-host unbound nsd knot openvpn wireguard-tools strongswan-starter tcpdump nmap
netcat-openbsd socat iputils-ping traceroute mtr-tiny ethtool bridge-utils vlan ifupdown isc-dhcp-server radvd
frr bird2 lighttpd nginx-common apache2 squid haproxy varnish memcached redis-tools mariadb-client sqlite3 cron
anacron at logrotate rsyslog syslog-ng-core auditd acl attr quota cryptsetup-bin parted gdisk fdisk dosfstools
mtools ntfs-3g smartmontools hdparm sg3-utils nvme-cli lsof psmisc sysstat htop numactl hwloc kmod udev
initramfs-tools grub-common efibootmgr pciutils usbutils dmidecode lm-sensors ncurses-bin tcl8.6 tk8.6 expect
perl gawk mawk bc dc units jq xmlstarlet libxml2-utils xsltproc poppler-utils ghostscript texlive-binaries
mupdf-tools qpdf enscript a2ps psutils sox lame flac vorbis-tools ffmpeg libimage-exiftool-perl xfig gnuplot-nox
pari-gp npm subversion mercurial cvs rcs quilt git-buildpackage sbuild pbuilder debootstrap schroot lxc runc criu
firejail bubblewrap apparmor policycoreutils fail2ban ufw firewalld shorewall conntrack ipset ebtables arptables
libnetfilter-conntrack-dev libnftnl-dev libmnl-dev dbus libdbus-1-dev polkitd udisks2 upower openbox fluxbox
icewm fvwm twm xterm rxvt-unicode screen mc nano joe jed ed less most ncal bsdextrautils bsdutils moreutils
renameutils sharutils uuid-runtime time parallel pv file libmagic-dev cpio pax dar duplicity borgbackup restic
rdiff-backup rsnapshot libgnutls28-dev gnutls-bin libnss3-tools libsasl2-dev sasl2-bin libtiff-dev libtiff-tools
libpng-dev libjpeg-turbo-progs libmd-dev libacl1-dev libattr1-dev libkeyutils-dev keyutils libtirpc-dev libgpm-dev
liblockfile-dev libpopt-dev libedit-dev libreadline-dev libmemcached-dev libaio-dev libnuma-dev libhwloc-dev
libpfm4-dev libsnmp-dev snmp libgdbm-dev libgc-dev notmuch neomutt procmail fetchmail maildrop courier-base
opensmtpd dma msmtp isync offlineimap cyrus-common cyrus-admin inetutils-telnet ftp lftp ncftp tftp-hpa vsftpd
proftpd-core openntpd chrony ntpsec nis rpcbind autofs sssd-common winbind smbclient cifs-utils tgt open-iscsi
multipath-tools drbd-utils pacemaker corosync keepalived ipvsadm conntrackd libatasmart-dev mesa-utils
x11-session-utils xinit xdm xauth xfonts-utils xkb-data x11-xkb-utils xinput xdotool xsel xclip feh imagemagick
sox libsox-fmt-all mpg123 vim-runtime exuberant-ctags universal-ctags cscope global indent flex bison m4
autoconf automake libtool pkgconf cmake-data ninja-build meson scons ccache distcc gperf swig doxygen
python3-docutils asciidoctor ruby lua5.4 tcl tk8.6-dev libtcl8.6 libtk8.6 tcl-tclreadline
mount dash xorg-docs-core dmeventd lvm2-lockd manpages-posix manpages-posix-dev libglib2.0-dev libbpf-dev libelf-dev
`.trim().split(/\s+/).filter((v, i, a) => a.indexOf(v) === i);
