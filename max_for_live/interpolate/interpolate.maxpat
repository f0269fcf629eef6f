{
	"patcher": {
		"fileversion": 1,
		"appversion": {
			"major": 8,
			"minor": 5,
			"revision": 5,
			"architecture": "x64",
			"modernui": 1
		},
		"classnamespace": "box",
		"rect": [
			100.0,
			100.0,
			760.0,
			560.0
		],
		"openrect": [
			0.0,
			0.0,
			320.0,
			169.0
		],
		"openinpresentation": 1,
		"default_fontsize": 10.0,
		"default_fontface": 0,
		"default_fontname": "Arial",
		"gridonopen": 1,
		"gridsize": [
			8.0,
			8.0
		],
		"description": "LB Interpolate",
		"boxes": [
			{
				"box": {
					"id": "obj-1",
					"maxclass": "newobj",
					"patching_rect": [
						30,
						420,
						220,
						22
					],
					"text": "js interpolate.js 127.0.0.1 9000",
					"numinlets": 1,
					"numoutlets": 4,
					"outlettype": [
						"",
						"",
						"",
						""
					],
					"varname": "script",
					"saved_object_attributes": {
						"filename": "interpolate.js",
						"parameter_enable": 0
					}
				}
			},
			{
				"box": {
					"id": "obj-2",
					"maxclass": "newobj",
					"patching_rect": [
						30,
						330,
						90,
						22
					],
					"text": "live.thisdevice",
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"bang",
						"int",
						"int"
					]
				}
			},
			{
				"box": {
					"id": "obj-3",
					"maxclass": "message",
					"patching_rect": [
						30,
						360,
						34,
						22
					],
					"text": "init",
					"numinlets": 2,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			},
			{
				"box": {
					"id": "obj-4",
					"maxclass": "newobj",
					"patching_rect": [
						30,
						480,
						140,
						22
					],
					"text": "udpsend 127.0.0.1 9000",
					"numinlets": 1,
					"numoutlets": 0,
					"outlettype": []
				}
			},
			{
				"box": {
					"id": "obj-5",
					"maxclass": "newobj",
					"patching_rect": [
						300,
						360,
						100,
						22
					],
					"text": "udpreceive 9100",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			},
			{
				"box": {
					"id": "obj-6",
					"maxclass": "comment",
					"patching_rect": [
						180,
						480,
						300,
						20
					],
					"text": "starting...",
					"numinlets": 1,
					"numoutlets": 0,
					"fontsize": 9.5,
					"textcolor": [
						0.8,
						0.8,
						0.8,
						1.0
					],
					"varname": "status",
					"presentation": 1,
					"presentation_rect": [
						5,
						127,
						310,
						40
					]
				}
			},
			{
				"box": {
					"id": "obj-7",
					"maxclass": "comment",
					"patching_rect": [
						500,
						20,
						200,
						20
					],
					"text": "LB Interpolate",
					"numinlets": 1,
					"numoutlets": 0,
					"fontface": 1,
					"fontsize": 11.0,
					"presentation": 1,
					"presentation_rect": [
						5,
						2,
						260,
						18
					]
				}
			},
			{
				"box": {
					"id": "obj-8",
					"maxclass": "newobj",
					"patching_rect": [
						600,
						420,
						45,
						22
					],
					"text": "midiin",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						"int"
					]
				}
			},
			{
				"box": {
					"id": "obj-9",
					"maxclass": "newobj",
					"patching_rect": [
						600,
						460,
						50,
						22
					],
					"text": "midiout",
					"numinlets": 1,
					"numoutlets": 0,
					"outlettype": []
				}
			},
			{
				"box": {
					"id": "obj-10",
					"maxclass": "live.text",
					"patching_rect": [
						420,
						330,
						44,
						15
					],
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						""
					],
					"parameter_enable": 1,
					"varname": "Ping button",
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Ping button",
							"parameter_shortname": "Ping",
							"parameter_type": 2,
							"parameter_initial_enable": 1,
							"parameter_initial": [
								0
							],
							"parameter_enum": [
								"off",
								"on"
							],
							"parameter_mmax": 1,
							"parameter_invisible": 2
						}
					},
					"text": "Ping",
					"texton": "Ping",
					"mode": 0,
					"presentation": 1,
					"presentation_rect": [
						268,
						2,
						44,
						15
					]
				}
			},
			{
				"box": {
					"id": "obj-11",
					"maxclass": "newobj",
					"patching_rect": [
						420,
						355,
						24,
						22
					],
					"text": "t b",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						"bang"
					]
				}
			},
			{
				"box": {
					"id": "obj-12",
					"maxclass": "message",
					"patching_rect": [
						420,
						380,
						40,
						22
					],
					"text": "ping",
					"numinlets": 2,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			},
			{
				"box": {
					"id": "obj-13",
					"maxclass": "live.text",
					"patching_rect": [
						30,
						200,
						44,
						15
					],
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						""
					],
					"parameter_enable": 1,
					"varname": "A button",
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "A button",
							"parameter_shortname": "A",
							"parameter_type": 2,
							"parameter_initial_enable": 1,
							"parameter_initial": [
								0
							],
							"parameter_enum": [
								"off",
								"on"
							],
							"parameter_mmax": 1,
							"parameter_invisible": 2
						}
					},
					"text": "A",
					"texton": "A",
					"mode": 0,
					"presentation": 1,
					"presentation_rect": [
						5,
						30,
						44,
						18
					]
				}
			},
			{
				"box": {
					"id": "obj-14",
					"maxclass": "newobj",
					"patching_rect": [
						30,
						225,
						24,
						22
					],
					"text": "t b",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						"bang"
					]
				}
			},
			{
				"box": {
					"id": "obj-15",
					"maxclass": "message",
					"patching_rect": [
						30,
						250,
						40,
						22
					],
					"text": "a",
					"numinlets": 2,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			},
			{
				"box": {
					"id": "obj-16",
					"maxclass": "live.text",
					"patching_rect": [
						130,
						200,
						44,
						15
					],
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						""
					],
					"parameter_enable": 1,
					"varname": "B button",
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "B button",
							"parameter_shortname": "B",
							"parameter_type": 2,
							"parameter_initial_enable": 1,
							"parameter_initial": [
								0
							],
							"parameter_enum": [
								"off",
								"on"
							],
							"parameter_mmax": 1,
							"parameter_invisible": 2
						}
					},
					"text": "B",
					"texton": "B",
					"mode": 0,
					"presentation": 1,
					"presentation_rect": [
						55,
						30,
						44,
						18
					]
				}
			},
			{
				"box": {
					"id": "obj-17",
					"maxclass": "newobj",
					"patching_rect": [
						130,
						225,
						24,
						22
					],
					"text": "t b",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						"bang"
					]
				}
			},
			{
				"box": {
					"id": "obj-18",
					"maxclass": "message",
					"patching_rect": [
						130,
						250,
						40,
						22
					],
					"text": "b",
					"numinlets": 2,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			},
			{
				"box": {
					"id": "obj-19",
					"maxclass": "live.numbox",
					"patching_rect": [
						30,
						20,
						44,
						15
					],
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"float"
					],
					"parameter_enable": 1,
					"varname": "Steps",
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Steps",
							"parameter_shortname": "Steps",
							"parameter_type": 1,
							"parameter_initial_enable": 1,
							"parameter_initial": [
								5
							],
							"parameter_mmin": 2,
							"parameter_mmax": 16
						}
					},
					"presentation": 1,
					"presentation_rect": [
						110,
						30,
						44,
						15
					]
				}
			},
			{
				"box": {
					"id": "obj-20",
					"maxclass": "newobj",
					"patching_rect": [
						30,
						65,
						80,
						22
					],
					"text": "prepend steps",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			},
			{
				"box": {
					"id": "obj-21",
					"maxclass": "live.dial",
					"patching_rect": [
						130,
						20,
						44,
						36
					],
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"float"
					],
					"parameter_enable": 1,
					"varname": "Temperature",
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Temperature",
							"parameter_shortname": "Temp",
							"parameter_type": 0,
							"parameter_initial_enable": 1,
							"parameter_initial": [
								0.5
							],
							"parameter_mmin": 0.01,
							"parameter_mmax": 2.0,
							"parameter_unitstyle": 1
						}
					},
					"presentation": 1,
					"presentation_rect": [
						165,
						25,
						44,
						36
					]
				}
			},
			{
				"box": {
					"id": "obj-22",
					"maxclass": "newobj",
					"patching_rect": [
						130,
						65,
						80,
						22
					],
					"text": "prepend temperature",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			},
			{
				"box": {
					"id": "obj-23",
					"maxclass": "live.menu",
					"patching_rect": [
						230,
						20,
						44,
						15
					],
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"",
						"",
						"float"
					],
					"parameter_enable": 1,
					"varname": "Kind",
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Kind",
							"parameter_shortname": "Kind",
							"parameter_type": 2,
							"parameter_initial_enable": 1,
							"parameter_initial": [
								0
							],
							"parameter_enum": [
								"Auto",
								"Drums",
								"Melody"
							],
							"parameter_mmax": 2,
							"parameter_invisible": 1
						}
					},
					"presentation": 1,
					"presentation_rect": [
						5,
						60,
						60,
						15
					]
				}
			},
			{
				"box": {
					"id": "obj-24",
					"maxclass": "newobj",
					"patching_rect": [
						230,
						65,
						80,
						22
					],
					"text": "prepend kind",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			},
			{
				"box": {
					"id": "obj-25",
					"maxclass": "live.menu",
					"patching_rect": [
						330,
						20,
						44,
						15
					],
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"",
						"",
						"float"
					],
					"parameter_enable": 1,
					"varname": "Method",
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Method",
							"parameter_shortname": "Method",
							"parameter_type": 2,
							"parameter_initial_enable": 1,
							"parameter_initial": [
								0
							],
							"parameter_enum": [
								"Slerp",
								"Linear"
							],
							"parameter_mmax": 1
						}
					},
					"presentation": 1,
					"presentation_rect": [
						75,
						60,
						60,
						15
					]
				}
			},
			{
				"box": {
					"id": "obj-26",
					"maxclass": "newobj",
					"patching_rect": [
						330,
						65,
						80,
						22
					],
					"text": "prepend method",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			},
			{
				"box": {
					"id": "obj-27",
					"maxclass": "live.numbox",
					"patching_rect": [
						430,
						20,
						44,
						15
					],
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"float"
					],
					"parameter_enable": 1,
					"varname": "Seed",
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Seed",
							"parameter_shortname": "Seed",
							"parameter_type": 1,
							"parameter_initial_enable": 1,
							"parameter_initial": [
								-1
							],
							"parameter_mmin": -1,
							"parameter_mmax": 16777215
						}
					},
					"presentation": 1,
					"presentation_rect": [
						145,
						60,
						50,
						15
					]
				}
			},
			{
				"box": {
					"id": "obj-28",
					"maxclass": "newobj",
					"patching_rect": [
						430,
						65,
						80,
						22
					],
					"text": "prepend seed",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			},
			{
				"box": {
					"id": "obj-29",
					"maxclass": "live.text",
					"patching_rect": [
						230,
						200,
						80,
						15
					],
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						""
					],
					"parameter_enable": 1,
					"varname": "Generate",
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Generate",
							"parameter_shortname": "Generate",
							"parameter_type": 2,
							"parameter_initial_enable": 1,
							"parameter_initial": [
								0
							],
							"parameter_enum": [
								"off",
								"on"
							],
							"parameter_mmax": 1,
							"parameter_invisible": 2
						}
					},
					"text": "Generate",
					"texton": "Generate",
					"mode": 0,
					"presentation": 1,
					"presentation_rect": [
						5,
						90,
						120,
						28
					]
				}
			},
			{
				"box": {
					"id": "obj-30",
					"maxclass": "newobj",
					"patching_rect": [
						230,
						225,
						24,
						22
					],
					"text": "t b",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						"bang"
					]
				}
			},
			{
				"box": {
					"id": "obj-31",
					"maxclass": "message",
					"patching_rect": [
						230,
						250,
						56,
						22
					],
					"text": "generate",
					"numinlets": 2,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			},
			{
				"box": {
					"id": "obj-32",
					"maxclass": "newobj",
					"patching_rect": [
						30,
						460,
						160,
						22
					],
					"text": "pattr state @bindto script",
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"",
						"",
						""
					],
					"parameter_enable": 1,
					"varname": "state",
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Saved state",
							"parameter_shortname": "state",
							"parameter_type": 3,
							"parameter_invisible": 1,
							"parameter_initial_enable": 0
						}
					},
					"saved_object_attributes": {
						"parameter_enable": 1,
						"parameter_mappable": 0
					}
				}
			},
			{
				"box": {
					"id": "obj-33",
					"maxclass": "live.text",
					"patching_rect": [
						430,
						20,
						50,
						15
					],
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						""
					],
					"parameter_enable": 1,
					"varname": "Scenes",
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Scenes",
							"parameter_shortname": "Scenes",
							"parameter_type": 2,
							"parameter_initial_enable": 1,
							"parameter_initial": [
								0
							],
							"parameter_enum": [
								"off",
								"on"
							],
							"parameter_mmax": 1,
							"parameter_invisible": 1
						}
					},
					"text": "Clips",
					"texton": "Scenes",
					"mode": 1,
					"presentation": 1,
					"presentation_rect": [
						145,
						60,
						50,
						15
					]
				}
			},
			{
				"box": {
					"id": "obj-34",
					"maxclass": "newobj",
					"patching_rect": [
						430,
						45,
						90,
						22
					],
					"text": "prepend scenes",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			}
		],
		"lines": [
			{
				"patchline": {
					"source": [
						"obj-2",
						0
					],
					"destination": [
						"obj-3",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-3",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-1",
						0
					],
					"destination": [
						"obj-4",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-1",
						1
					],
					"destination": [
						"obj-5",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-5",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-1",
						2
					],
					"destination": [
						"obj-6",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-8",
						0
					],
					"destination": [
						"obj-9",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-10",
						0
					],
					"destination": [
						"obj-11",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-11",
						0
					],
					"destination": [
						"obj-12",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-12",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-13",
						0
					],
					"destination": [
						"obj-14",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-14",
						0
					],
					"destination": [
						"obj-15",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-15",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-16",
						0
					],
					"destination": [
						"obj-17",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-17",
						0
					],
					"destination": [
						"obj-18",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-18",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-19",
						0
					],
					"destination": [
						"obj-20",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-20",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-21",
						0
					],
					"destination": [
						"obj-22",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-22",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-23",
						0
					],
					"destination": [
						"obj-24",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-24",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-25",
						0
					],
					"destination": [
						"obj-26",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-26",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-27",
						0
					],
					"destination": [
						"obj-28",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-28",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-29",
						0
					],
					"destination": [
						"obj-30",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-30",
						0
					],
					"destination": [
						"obj-31",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-31",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-33",
						0
					],
					"destination": [
						"obj-34",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-34",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			}
		],
		"dependency_cache": [
			{
				"name": "interpolate.js",
				"type": "TEXT",
				"implicit": 1
			},
			{
				"name": "latentbridge.js",
				"type": "TEXT",
				"implicit": 1
			}
		],
		"latency": 0,
		"is_mpe": 0
	}
}
